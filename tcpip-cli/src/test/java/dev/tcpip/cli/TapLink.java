package dev.tcpip.cli;

import dev.tcpip.device.NetNamespace;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One interop test's world: a network namespace of its own holding a persistent TAP device {@code tap0}
 * whose kernel side is {@value #KERNEL}/24 and {@value #KERNEL6}/64 (and a link-local address, all without
 * duplicate address detection, so usable at once) and up, before any {@code tcpip} process attaches to it as
 * {@value #STACK} (or as {@link #stackAddressing} says). Commands run inside the namespace; {@link #close} stops
 * every process and deletes the namespace (and the device with it).
 */
final class TapLink implements AutoCloseable {
    static final String KERNEL = "10.77.0.1";
    static final String STACK = "10.77.0.2";
    static final String STACK_MAC = "02:00:00:77:00:02";
    static final String KERNEL6 = "2001:db8:77::1";
    static final String STACK6 = "2001:db8:77::2";
    /** The stack's link-local address, from {@link #STACK_MAC} (modified EUI-64, RFC 4291 appendix A). */
    static final String STACK_LINK_LOCAL = "fe80::ff:fe77:2";

    final NetNamespace ns;
    private final List<Cli> started = new ArrayList<>();
    private List<String> addressing = List.of("--ipv4", STACK + "/24");

    private TapLink(NetNamespace ns) {
        this.ns = ns;
    }

    static TapLink create() throws IOException, InterruptedException {
        NetNamespace ns = NetNamespace.create("it");
        try {
            ns.ip("tuntap", "add", "dev", "tap0", "mode", "tap");
            // before the link comes up, so that its link-local address is not tentative either
            ns.run(10, "sysctl", "-qw", "net.ipv6.conf.tap0.accept_dad=0");
            ns.ip("addr", "add", KERNEL + "/24", "dev", "tap0");
            ns.ip("addr", "add", KERNEL6 + "/64", "dev", "tap0", "nodad");
            ns.ip("link", "set", "tap0", "up");
            return new TapLink(ns);
        } catch (IOException | RuntimeException e) {
            ns.close();
            throw e;
        }
    }

    /**
     * The kernel's transmit counters of {@code tap0}, which count frames toward the stack: {@code packets} queued
     * for it, {@code dropped} because the device's queue (txqueuelen) was full while the stack's reader was behind.
     */
    record TowardStack(long packets, long dropped) {
    }

    TowardStack towardStack() throws IOException, InterruptedException {
        String s = ns.ip("-s", "-j", "link", "show", "tap0");
        Matcher tx = Pattern.compile(
                "\"tx\":\\{\"bytes\":\\d+,\"packets\":(\\d+),\"errors\":\\d+,\"dropped\":(\\d+)").matcher(s);
        if (!tx.find()) {
            throw new AssertionError("no tx statistics in: " + s);
        }
        return new TowardStack(Long.parseLong(tx.group(1)), Long.parseLong(tx.group(2)));
    }

    /** The stack's address options from now on instead of {@code --ipv4 10.77.0.2/24}; returns this link. */
    TapLink stackAddressing(String... options) {
        addressing = List.of(options);
        return this;
    }

    /** {@code tcpip COMMAND --tap tap0 --ipv4 10.77.0.2/24 --mac ... ARGS} inside the namespace. */
    ProcessBuilder tcpip(String command, String... args) {
        List<String> all = new ArrayList<>(List.of(command, "--tap", "tap0", "--mac", STACK_MAC));
        all.addAll(addressing);
        all.addAll(List.of(args));
        return Cli.builder(ns.command(), all.toArray(String[]::new));
    }

    Cli start(ProcessBuilder pb) throws IOException {
        Cli cli = Cli.start(pb);
        started.add(cli);
        return cli;
    }

    /** Starts {@code tcpip serve ARGS} and waits for its ready line; returns the process. */
    Cli serve(String... args) throws IOException {
        Cli cli = start(tcpip("serve", args));
        cli.awaitLine("ready");
        return cli;
    }

    /**
     * Runs a bash script inside the namespace (bounded; with pipefail, so that a failing curl before
     * {@code | sha256sum} fails the script); its stdout, or fails with its stderr.
     */
    String sh(long timeoutSeconds, String script) throws IOException, InterruptedException {
        return ns.run(timeoutSeconds, "bash", "-c", "set -o pipefail; " + script);
    }

    @Override
    public void close() throws IOException, InterruptedException {
        try {
            for (Cli c : started) {
                c.close();
            }
        } finally {
            ns.close();
        }
    }

    /** The lowercase hex SHA-256 of {@code bytes}. */
    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** The body of {@code GET /bytes/n}: byte i is i mod 251. */
    static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i % 251);
        }
        return b;
    }

    /** How many times {@code what} occurs in {@code s}. */
    static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    /** The first word of {@code sha256sum}'s output. */
    static String firstWord(String s) {
        return s.strip().split("\\s+")[0];
    }
}
