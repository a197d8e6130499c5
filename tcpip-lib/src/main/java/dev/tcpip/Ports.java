package dev.tcpip;

/** Port number checks shared by every stack. */
public final class Ports {

    private Ports() {
    }

    /** Returns {@code port} if it is within 0..65535. */
    public static int check(int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be within 0..65535: " + port);
        }
        return port;
    }
}
