/**
 * tcpip: a user-space TCP/IP stack. The API is in {@code dev.tcpip}; the socket stack in
 * {@code dev.tcpip.socket}; event loops, timers and virtual time in {@code dev.tcpip.time}; network devices,
 * the in-memory network and fault injection in {@code dev.tcpip.device}.
 */
module dev.tcpip {
    requires jdk.net;

    exports dev.tcpip;
    exports dev.tcpip.device;
    exports dev.tcpip.time;
}
