package dev.tcpip.cli;

import dev.tcpip.TcpipException;
import java.io.IOException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code tcpip} command. Exit status: 0 success; 1 a runtime failure (refused, timeout,
 * unreachable), with a one-line message on stderr; 2 bad usage, with a message naming the bad option.
 */
@Command(name = "tcpip", mixinStandardHelpOptions = true, version = "tcpip 0.1.0",
        description = "A user-space TCP/IP stack for Java.",
        subcommands = {Serve.class, Nc.class, Ping.class, Bench.class, Demo.class, Gateway.class,
                Relay.class},
        usageHelpAutoWidth = true)
public final class Main implements Runnable {

    /** Exit status of a runtime failure. */
    static final int FAILURE = 1;
    /** Exit status of bad usage. */
    static final int USAGE = 2;

    public static void main(String[] args) {
        Signals.restoreDefaults();   // a script's background job starts with SIGINT ignored
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit status. */
    static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        Synopsis.install(cl);
        cl.setExitCodeExceptionMapper(t -> FAILURE);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof CommandLine.ParameterException pe) {
                throw pe;
            }
            PrintWriter err = cmd.getErr();
            err.println("tcpip " + cmd.getCommandName() + ": " + describe(ex));
            err.flush();
            return FAILURE;
        });
        cl.setParameterExceptionHandler((ex, a) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("tcpip: " + ex.getMessage());
            err.println("Try 'tcpip " + ex.getCommandLine().getCommandName() + " --help' for more information.");
            err.flush();
            return USAGE;
        });
        return cl.execute(args);
    }

    /** One line saying what went wrong, in the seed's words where it has them. */
    static String describe(Throwable t) {
        String kind = switch (t) {
            case dev.tcpip.RefusedException r -> "refused";
            case dev.tcpip.TimedOutException r -> "timeout";
            case dev.tcpip.UnreachableException r -> "unreachable";
            case dev.tcpip.ResetException r -> "reset";
            case dev.tcpip.ClosedException r -> "closed";
            case TcpipException r -> "error";
            case IOException r -> "I/O error";
            default -> t.getClass().getSimpleName();
        };
        return kind + ": " + (t.getMessage() != null ? t.getMessage() : t.toString());
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(new CommandLine(this), "a command is needed: serve, nc, ping, demo, bench, gateway or relay");
    }
}
