package dev.tcpip.time;

/** The body of an application thread started with {@link EventLoop#spawn}: may block and throw. */
@FunctionalInterface
public interface AppTask {
    void run() throws Exception;
}
