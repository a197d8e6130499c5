/**
 * tcpip: a user-space TCP/IP stack. The API is in {@code dev.tcpip}; the socket stack in
 * {@code dev.tcpip.socket}; header views and records in {@code dev.tcpip.wire}; devices and pcap in
 * {@code dev.tcpip.device}.
 */
module dev.tcpip {
    requires jdk.net;

    exports dev.tcpip;
    exports dev.tcpip.wire;
    exports dev.tcpip.device;
}
