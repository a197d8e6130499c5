package dev.tcpip.socks;

import java.util.Map;

/**
 * What a {@link Socks5Stack} has done since it was made.
 *
 * @param connects            CONNECTs the proxy granted
 * @param connectFailures     CONNECTs that failed, for any reason
 * @param failureReplies      failure replies to CONNECT and UDP ASSOCIATE, by REP code (RFC 1928 §6)
 * @param protocolErrors      handshakes that failed on the protocol: no acceptable method, rejected credentials, a
 *                            malformed or truncated reply
 * @param timeouts            handshakes that outlived the connect timeout
 * @param associations        UDP associations granted
 * @param associationsOpen    UDP associations open now
 * @param datagramsSent       datagrams sent to a relay
 * @param datagramsReceived   datagrams from a relay delivered
 * @param datagramsDropped    datagrams dropped: their port's queue full while an association was set up, that set-up
 *                            failing, or the association ended with them queued
 * @param fragmentsDropped    datagrams from a relay with FRAG ≠ 0, dropped (RFC 1928 §7 allows not reassembling)
 * @param malformedDropped    datagrams from a relay whose header did not parse
 * @param strayDropped        datagrams on an associated port from anything but its relay, or with no association
 */
public record Socks5Stats(long connects, long connectFailures, Map<Integer, Long> failureReplies, long protocolErrors,
                          long timeouts, long associations, int associationsOpen, long datagramsSent,
                          long datagramsReceived, long datagramsDropped, long fragmentsDropped, long malformedDropped,
                          long strayDropped) {
    public Socks5Stats {
        failureReplies = Map.copyOf(failureReplies);
    }

    /** How many failure replies carried {@code rep}. */
    public long failureReplies(int rep) {
        return failureReplies.getOrDefault(rep, 0L);
    }
}
