package dev.tcpip.direct;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * The events one direct-stack TCP flow recorded ({@link FlowEvent}), kept in a ring of {@link #capacity()} events:
 * when it is full the oldest event makes room and is counted in {@link #dropped()}. Turned on with
 * {@link DirectStack#recordFlows(int)} for every flow a stack opens from then on, or with
 * {@link DirectStack#record(dev.tcpip.TcpFlow, int)} for one flow from that moment; readable from any thread, while
 * the flow runs and after it has ended.
 */
public interface FlowRecording {

    /** The events kept, oldest first: an immutable copy taken now. */
    List<FlowEvent> events();

    /** Events recorded in all, kept or not. */
    long recorded();

    /** Events that left the ring to make room for newer ones: {@code recorded() - events().size()}. */
    long dropped();

    /** The most events kept at once. */
    int capacity();

    /** The flow's local address and port. */
    InetSocketAddress src();

    /** The flow's remote address and port. */
    InetSocketAddress dst();
}
