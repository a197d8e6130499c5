/**
 * tcpip: a user-space TCP/IP stack. The API is in {@code dev.tcpip}; the socket stack in
 * {@code dev.tcpip.socket}; devices, the simulated network and time in {@code dev.tcpip.device} and
 * {@code dev.tcpip.time}.
 */
module dev.tcpip {
    requires jdk.net;

    exports dev.tcpip;
    exports dev.tcpip.socket;
    exports dev.tcpip.time;
    exports dev.tcpip.device;
    exports dev.tcpip.wire;
    exports dev.tcpip.direct;
    exports dev.tcpip.direct.tcp;
}
