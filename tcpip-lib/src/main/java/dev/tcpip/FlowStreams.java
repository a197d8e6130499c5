package dev.tcpip;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.ClosedChannelException;
import java.util.Arrays;
import java.util.Objects;

/** Adapters from a {@link TcpFlow} to the JDK's stream and channel types. */
final class FlowStreams {

    private FlowStreams() {
    }

    /** Holds what the last {@code read()} returned beyond what the caller took. */
    private static final class Pending {
        private final TcpFlow flow;
        private ByteBuffer current = ByteBuffer.allocate(0);
        private boolean eof;

        Pending(TcpFlow flow) {
            this.flow = flow;
        }

        /** The buffer to take from, or null at end of stream. */
        ByteBuffer next() throws IOException {
            while (!current.hasRemaining()) {
                if (eof) {
                    return null;
                }
                switch (flow.read()) {
                    case ReadResult.Data(ByteBuffer bytes) -> current = bytes;
                    case ReadResult.Eof() -> eof = true;
                }
            }
            return current;
        }
    }

    static final class In extends InputStream {
        private final TcpFlow flow;
        private final Pending pending;

        In(TcpFlow flow) {
            this.flow = flow;
            this.pending = new Pending(flow);
        }

        @Override
        public int read() throws IOException {
            ByteBuffer b = pending.next();
            return b == null ? -1 : b.get() & 0xff;
        }

        @Override
        public int read(byte[] dst, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, dst.length);
            if (len == 0) {
                return 0;
            }
            ByteBuffer b = pending.next();
            if (b == null) {
                return -1;
            }
            int n = Math.min(len, b.remaining());
            b.get(dst, off, n);
            return n;
        }

        @Override
        public int available() {
            return pending.current.remaining();
        }

        @Override
        public void close() throws IOException {
            flow.shutdown(Direction.READ);
        }
    }

    static final class Out extends OutputStream {
        private final TcpFlow flow;

        Out(TcpFlow flow) {
            this.flow = flow;
        }

        @Override
        public void write(int b) throws IOException {
            flow.write(ByteBuffer.wrap(new byte[] {(byte) b}));
        }

        @Override
        public void write(byte[] src, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, src.length);
            if (len > 0) {
                flow.write(ByteBuffer.wrap(Arrays.copyOfRange(src, off, off + len)));
            }
        }

        @Override
        public void close() throws IOException {
            flow.shutdown(Direction.WRITE);
        }
    }

    static final class Channel implements ByteChannel {
        private final TcpFlow flow;
        private final Pending pending;
        private volatile boolean open = true;

        Channel(TcpFlow flow) {
            this.flow = flow;
            this.pending = new Pending(flow);
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            ensureOpen();
            if (!dst.hasRemaining()) {
                return 0;
            }
            ByteBuffer b = pending.next();
            if (b == null) {
                return -1;
            }
            int n = Math.min(dst.remaining(), b.remaining());
            dst.put(dst.position(), b, b.position(), n);
            dst.position(dst.position() + n);
            b.position(b.position() + n);
            return n;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            ensureOpen();
            int n = src.remaining();
            if (n > 0) {
                ByteBuffer copy = ByteBuffer.allocate(n);
                copy.put(src).flip();
                flow.write(copy);
            }
            return n;
        }

        private void ensureOpen() throws ClosedChannelException {
            if (!open) {
                throw new ClosedChannelException();
            }
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public void close() throws IOException {
            if (open) {
                open = false;
                flow.close();
            }
        }
    }
}
