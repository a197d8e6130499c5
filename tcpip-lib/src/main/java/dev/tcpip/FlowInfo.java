package dev.tcpip;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * One row of {@link Stack#flows()}: a live flow's addresses and its {@link TcpInfo}, read at the same moment.
 *
 * @param src  this side's address and port
 * @param dst  the peer's address and port
 * @param info the flow's state and counts
 */
public record FlowInfo(InetSocketAddress src, InetSocketAddress dst, TcpInfo info) {
    public FlowInfo {
        Objects.requireNonNull(src, "src");
        Objects.requireNonNull(dst, "dst");
        Objects.requireNonNull(info, "info");
    }
}
