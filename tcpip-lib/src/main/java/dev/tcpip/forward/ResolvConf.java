package dev.tcpip.forward;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The name servers of a resolver configuration file ({@code /etc/resolv.conf}, resolv.conf(5)): each
 * {@code nameserver ADDRESS} line, in order. Comments start with {@code #} or {@code ;}; other keywords are
 * ignored, and so are addresses that are not IP literals (and an IPv6 zone, {@code %eth0}, is dropped). At most
 * {@link #MAX} are kept, as the C library does (MAXNS).
 */
public record ResolvConf(List<InetAddress> nameservers) {
    public static final Path DEFAULT = Path.of("/etc/resolv.conf");
    /** resolv.conf(5): "Up to MAXNS (currently 3) name servers may be listed". */
    public static final int MAX = 3;
    public static final int DNS_PORT = 53;

    public ResolvConf {
        nameservers = List.copyOf(nameservers);
    }

    public static ResolvConf parse(String text) {
        List<InetAddress> out = new ArrayList<>();
        for (String raw : text.split("\n", -1)) {
            if (out.size() == MAX) {
                break;
            }
            String line = raw;
            int hash = indexOfComment(line);
            if (hash >= 0) {
                line = line.substring(0, hash);
            }
            String[] words = line.trim().split("[ \t]+");
            if (words.length < 2 || !words[0].equals("nameserver")) {
                continue;
            }
            String addr = words[1];
            int zone = addr.indexOf('%');
            if (zone >= 0) {
                addr = addr.substring(0, zone);
            }
            try {
                out.add(InetAddress.ofLiteral(addr));
            } catch (IllegalArgumentException e) {
                // not an address: skipped, as the C library does
            }
        }
        return new ResolvConf(out);
    }

    private static int indexOfComment(String line) {
        int a = line.indexOf('#');
        int b = line.indexOf(';');
        return a < 0 ? b : b < 0 ? a : Math.min(a, b);
    }

    public static ResolvConf read(Path file) throws IOException {
        return parse(Files.readString(file));
    }

    /** The first name server at port 53; fails if there is none. */
    public InetSocketAddress first() {
        if (nameservers.isEmpty()) {
            throw new IllegalStateException("no nameserver line");
        }
        return new InetSocketAddress(nameservers.getFirst(), DNS_PORT);
    }

    /**
     * {@code HOST:PORT} as an upstream resolver: an IPv4 literal, or an IPv6 one in brackets ({@code [::1]:53});
     * without {@code :PORT}, port 53.
     */
    public static InetSocketAddress parseHostPort(String text) {
        String host = text;
        int port = DNS_PORT;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("expected [IPv6]:PORT: " + text);
            }
            host = text.substring(1, close);
            String rest = text.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    throw new IllegalArgumentException("expected [IPv6]:PORT: " + text);
                }
                port = port(rest.substring(1), text);
            }
        } else if (text.indexOf(':') >= 0 && text.indexOf(':') == text.lastIndexOf(':')) {
            host = text.substring(0, text.indexOf(':'));
            port = port(text.substring(text.indexOf(':') + 1), text);
        }
        return new InetSocketAddress(InetAddress.ofLiteral(host), port);
    }

    private static int port(String s, String text) {
        try {
            int p = Integer.parseInt(s);
            if (p >= 1 && p <= 65_535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException("not a port 1..65535 in " + text);
    }
}
