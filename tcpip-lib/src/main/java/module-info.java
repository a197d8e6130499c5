/**
 * tcpip: a user-space TCP/IP stack. The API is in {@code dev.tcpip}; the socket stack in
 * {@code dev.tcpip.socket}.
 */
module dev.tcpip {
    requires jdk.net;

    exports dev.tcpip;
    exports dev.tcpip.socket;
}
