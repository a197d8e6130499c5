package dev.tcpip.forward;

/**
 * A {@link Forwarder}'s counts.
 *
 * @param tcpFlows            TCP flows open now (pending upstream connects included)
 * @param udpFlows            UDP flows open now
 * @param tcpOpened           TCP flows relayed since the start (upstream connected, guest answered with SYN-ACK)
 * @param udpOpened           UDP flows opened since the start
 * @param refusedAtLimit      flows refused because {@code maxFlows} were open (TCP: RST; UDP: administratively prohibited)
 * @param pendingAtLimit      SYNs refused with RST because {@code maxPendingConnects} upstream connects were under way
 * @param upstreamRefused     upstream connects refused (the guest got RST)
 * @param upstreamUnreachable upstream connects or sends that found the network or host unreachable (guest: ICMP)
 * @param upstreamTimeouts    upstream connects that timed out (guest: ICMP host unreachable)
 * @param udpPortUnreachable  upstream ICMP port unreachable passed back to a guest
 */
public record ForwarderStats(int tcpFlows, int udpFlows, long tcpOpened, long udpOpened, long refusedAtLimit,
                             long pendingAtLimit, long upstreamRefused, long upstreamUnreachable,
                             long upstreamTimeouts, long udpPortUnreachable) {
}
