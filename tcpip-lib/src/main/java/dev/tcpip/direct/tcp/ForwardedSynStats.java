package dev.tcpip.direct.tcp;

/**
 * What forwarding's SYN handling has done so far: SYNs held now (their upstream connect pending), retransmitted SYNs
 * absorbed while held, SYNs refused with RST because {@code maxPending} were held, and held SYNs whose connect
 * timeout passed (answered with ICMP host unreachable).
 */
public record ForwardedSynStats(int pending, long absorbed, long refusedAtLimit, long timedOut) {
    static final ForwardedSynStats NONE = new ForwardedSynStats(0, 0, 0, 0);
}
