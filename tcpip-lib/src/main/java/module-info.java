/**
 * tcpip: a user-space TCP/IP stack. The API is in {@code dev.tcpip}; the socket stack in
 * {@code dev.tcpip.socket}; devices, the simulated network and time in {@code dev.tcpip.device} and
 * {@code dev.tcpip.time}; the direct stack's public face in {@code dev.tcpip.direct}. The direct stack's layers
 * ({@code dev.tcpip.direct.link}, {@code .ip}, {@code .icmp}, {@code .ndp}, {@code .udp}, {@code .tcp},
 * {@code .stats}) are not exported: their public types are for each other only. Forwarding (a direct stack
 * relaying every guest flow to an upstream stack) is in {@code dev.tcpip.forward}. A SOCKS5 client as a stack (an upstream
 * for forwarding through a proxy) is in {@code dev.tcpip.socks}; {@code java.net} sockets and {@code javax.net} socket
 * factories over any stack in {@code dev.tcpip.net}.
 */
module dev.tcpip {
    requires jdk.net;
    requires jdk.jfr;     // the JDK's flight recorder (dev.tcpip.jfr's events): part of the JDK, not a dependency

    exports dev.tcpip;
    exports dev.tcpip.socket;
    exports dev.tcpip.time;
    exports dev.tcpip.device;
    exports dev.tcpip.wire;
    exports dev.tcpip.direct;
    exports dev.tcpip.forward;
    exports dev.tcpip.socks;
    exports dev.tcpip.net;
}
