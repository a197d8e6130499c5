package dev.tcpip.direct;

import java.net.InetSocketAddress;

/**
 * What a direct stack with forwarding on ({@link DirectStack#startForwarding}) asks about each new TCP connection
 * that no local listener takes: a guest's SYN to any address. The guest gets its SYN-ACK only once the answer is
 * {@link SynAnswer.Accept}, so the application can first open the connection upstream and have a failure reach
 * the guest as a router would say it (RST or ICMP destination unreachable). Retransmitted SYNs of a connection
 * whose answer is pending are absorbed: one question per connection.
 *
 * <p>{@code dev.tcpip.forward.Forwarder} implements it over an upstream {@code Stack}.
 */
public interface TcpForwarding {

    /**
     * Answers one new connection from {@code guest} to {@code destination}. Runs on its own application thread (a
     * virtual thread, tracked by a simulation) and may block, for instance in an upstream {@code connect}. Throwing
     * answers {@link Refusal#RESET}.
     */
    SynAnswer open(InetSocketAddress guest, InetSocketAddress destination) throws Exception;

    /**
     * The stack's connect timeout passed before {@link #open} answered; the guest was sent ICMP host unreachable.
     * An {@code Accept} that comes later has its {@code abandoned} callback run. Runs on the stack's loop: must not
     * block.
     */
    default void timedOut(InetSocketAddress guest, InetSocketAddress destination) {
    }
}
