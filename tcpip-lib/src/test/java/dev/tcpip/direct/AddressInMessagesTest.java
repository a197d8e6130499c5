package dev.tcpip.direct;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tcpip.RefusedException;
import dev.tcpip.UnreachableException;
import dev.tcpip.socket.SocketStack;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The stacks' error messages name addresses as the user typed them: {@code 127.0.0.1:1}, not {@code /127.0.0.1:1}. */
@Timeout(30)
class AddressInMessagesTest {

    @Test
    void theSocketStacksConnectErrors() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort(); // bound, then closed: nothing listens there now
        }
        try (SocketStack stack = SocketStack.dual()) {
            RefusedException r = assertThrows(RefusedException.class,
                    () -> stack.tcp().connect(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), closed)));
            assertEquals("connection to 127.0.0.1:" + closed + " refused", r.getMessage());
            UnreachableException u = assertThrows(UnreachableException.class,
                    () -> stack.tcp().connect(InetSocketAddress.createUnresolved("nowhere.invalid", 80)));
            assertEquals("unresolved address: nowhere.invalid:80", u.getMessage());
        }
        try (SocketStack v4 = SocketStack.ipv4()) {
            UnreachableException u = assertThrows(UnreachableException.class,
                    () -> v4.tcp().connect(new InetSocketAddress(InetAddress.ofLiteral("::1"), 80)));
            assertEquals("a IPV4 stack does not reach ::1", u.getMessage());
        }
    }

    @Test
    void theDirectStacksConnectAndPingErrors() throws Exception {
        try (MemoryPair pair = MemoryPair.create()) {
            RefusedException r = assertThrows(RefusedException.class,
                    () -> pair.client().tcp().connect(new InetSocketAddress(pair.serverAddress(), 1)));
            assertEquals("connection to 10.0.0.1:1 refused", r.getMessage());
            UnreachableException u = assertThrows(UnreachableException.class,
                    () -> pair.client().ping(InetAddress.ofLiteral("::1"), 8, java.time.Duration.ofSeconds(1)));
            assertEquals("this stack has no IPv6: ::1", u.getMessage());
        }
    }
}
