package dev.tcpip;

/** The callback of {@link Udp#listen}. */
@FunctionalInterface
public interface DatagramHandler {
    void handle(Datagram datagram) throws Exception;
}
