package dev.tcpip.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code tcpip} command. */
@Command(name = "tcpip", mixinStandardHelpOptions = true, version = "tcpip 0.1.0",
        description = "A user-space TCP/IP stack for Java: demo, serve, nc, ping, bench.")
public final class Main implements Runnable {

    public static void main(String[] args) {
        int code = new CommandLine(new Main()).execute(args);
        System.exit(code);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
