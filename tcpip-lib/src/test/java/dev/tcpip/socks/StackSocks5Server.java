package dev.tcpip.socks;

import dev.tcpip.Direction;
import dev.tcpip.ReadResult;
import dev.tcpip.RefusedException;
import dev.tcpip.Stack;
import dev.tcpip.TcpFlow;
import dev.tcpip.TimedOutException;
import dev.tcpip.UnreachableException;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.Executor;

/**
 * A minimal SOCKS5 server on any {@link Stack}, for simulations: no authentication, CONNECT only, the target's
 * failure as its REP code, then both directions copied with half-close. It blocks only through the stack's calls,
 * so it runs in virtual time when its stack and {@code threads} are a simulation's.
 */
public final class StackSocks5Server {
    private final Stack stack;
    private final Executor threads;

    private StackSocks5Server(Stack stack, Executor threads) {
        this.stack = stack;
        this.threads = threads;
    }

    /** Listens on {@code port} of {@code stack}; {@code threads} runs the second copying direction of each flow. */
    public static int listen(Stack stack, int port, Executor threads) throws IOException {
        StackSocks5Server s = new StackSocks5Server(stack, threads);
        return stack.tcp().listen(port, s::serve);
    }

    private void serve(TcpFlow client) throws IOException {
        DataInputStream in = new DataInputStream(client.inputStream());
        if (in.readUnsignedByte() != 5) {
            client.abort();
            return;
        }
        in.readFully(new byte[in.readUnsignedByte()]);
        client.write(ByteBuffer.wrap(new byte[] {5, 0}));      // RFC 1928 §3: no authentication
        in.readUnsignedByte();
        int cmd = in.readUnsignedByte();
        in.readUnsignedByte();
        InetSocketAddress dst = TestSocks5Server.readAddress(in, in.readUnsignedByte());
        if (cmd != 1 || dst == null) {
            client.write(ByteBuffer.wrap(TestSocks5Server.reply(cmd != 1 ? 7 : 8, new InetSocketAddress(0))));
            client.close();
            return;
        }
        TcpFlow target;
        try {
            target = stack.tcp().connect(dst);
        } catch (IOException e) {
            int rep = switch (e) {                              // RFC 1928 §6
                case RefusedException r -> 5;
                case UnreachableException u -> u.scope() == UnreachableException.Scope.NETWORK ? 3 : 4;
                case TimedOutException t -> 6;
                default -> 1;
            };
            client.write(ByteBuffer.wrap(TestSocks5Server.reply(rep, new InetSocketAddress(0))));
            client.close();
            return;
        }
        client.write(ByteBuffer.wrap(TestSocks5Server.reply(0, target.src())));
        threads.execute(() -> copy(in, target));
        for (long guard = 0; guard < 1L << 40; guard++) {      // until the target's end
            if (!(target.read() instanceof ReadResult.Data(ByteBuffer b))) {
                break;
            }
            client.write(b);
        }
        client.shutdown(Direction.WRITE);
        client.close();
    }

    /**
     * Client to target, from the stream that may hold bytes read past the request; closes the target once done, so
     * that its FIN follows the last byte this thread writes.
     */
    private static void copy(InputStream in, TcpFlow target) {
        byte[] b = new byte[32 << 10];
        try {
            for (int n; (n = in.read(b)) > 0; ) {
                target.write(ByteBuffer.wrap(b.clone(), 0, n));
            }
            target.shutdown(Direction.WRITE);
            target.close();
        } catch (IOException e) {
            target.abort();
        }
    }
}
