package dev.tcpip;

/** The callback of {@link Tcp#listen}: runs once for each established flow, on its own virtual thread. */
@FunctionalInterface
public interface FlowHandler {
    void handle(TcpFlow flow) throws Exception;
}
