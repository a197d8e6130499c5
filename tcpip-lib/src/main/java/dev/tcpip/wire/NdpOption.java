package dev.tcpip.wire;

import java.util.Objects;

/**
 * A Neighbor Discovery option (RFC 4861 §4.6): type, length in units of 8 octets, data. Link-layer
 * address options are for Ethernet (6-byte addresses, RFC 2464 §6).
 */
public sealed interface NdpOption {

    int SOURCE_LINK_LAYER_ADDRESS = 1;
    int TARGET_LINK_LAYER_ADDRESS = 2;
    int PREFIX_INFORMATION = 3;
    int REDIRECTED_HEADER = 4;
    int MTU = 5;

    int type();

    /** Bytes on the wire, a multiple of 8. */
    int length();

    /** Writes the whole option at {@code off}. */
    void emit(byte[] buf, int off);

    /** Source link-layer address (RFC 4861 §4.6.1). */
    record SourceLinkLayerAddress(MacAddress address) implements NdpOption {
        public SourceLinkLayerAddress {
            Objects.requireNonNull(address, "address");
        }

        public int type() {
            return SOURCE_LINK_LAYER_ADDRESS;
        }

        public int length() {
            return 8;
        }

        public void emit(byte[] buf, int off) {
            emitLinkLayer(buf, off, type(), address);
        }
    }

    /** Target link-layer address (RFC 4861 §4.6.1). */
    record TargetLinkLayerAddress(MacAddress address) implements NdpOption {
        public TargetLinkLayerAddress {
            Objects.requireNonNull(address, "address");
        }

        public int type() {
            return TARGET_LINK_LAYER_ADDRESS;
        }

        public int length() {
            return 8;
        }

        public void emit(byte[] buf, int off) {
            emitLinkLayer(buf, off, type(), address);
        }
    }

    /**
     * Prefix information (RFC 4861 §4.6.2): lifetimes are unsigned 32-bit seconds (0xffffffff is
     * infinity), held in longs.
     */
    record PrefixInformation(int prefixLength, boolean onLink, boolean autonomous, long validLifetime,
            long preferredLifetime, Ipv6Address prefix) implements NdpOption {
        public PrefixInformation {
            Ipv4Header.check("prefixLength", prefixLength, 128);
            checkU32("validLifetime", validLifetime);
            checkU32("preferredLifetime", preferredLifetime);
            Objects.requireNonNull(prefix, "prefix");
        }

        public int type() {
            return PREFIX_INFORMATION;
        }

        public int length() {
            return 32;
        }

        public void emit(byte[] buf, int off) {
            Bytes.put16(buf, off, type() << 8 | 4);
            Bytes.put8(buf, off + 2, prefixLength);
            Bytes.put8(buf, off + 3, (onLink ? 0x80 : 0) | (autonomous ? 0x40 : 0));
            Bytes.put32(buf, off + 4, (int) validLifetime);
            Bytes.put32(buf, off + 8, (int) preferredLifetime);
            Bytes.put32(buf, off + 12, 0);
            prefix.write(buf, off + 16);
        }
    }

    /** MTU (RFC 4861 §4.6.4), an unsigned 32-bit value. */
    record Mtu(long mtu) implements NdpOption {
        public Mtu {
            checkU32("mtu", mtu);
        }

        public int type() {
            return MTU;
        }

        public int length() {
            return 8;
        }

        public void emit(byte[] buf, int off) {
            Bytes.put16(buf, off, type() << 8 | 1);
            Bytes.put16(buf, off + 2, 0);
            Bytes.put32(buf, off + 4, (int) mtu);
        }
    }

    /** Any other option (or a link-layer address of another length): type and the data after the length octet. */
    record Other(int type, Octets data) implements NdpOption {
        public Other {
            Ipv4Header.check("type", type, 255);
            Objects.requireNonNull(data, "data");
            if ((data.length() + 2) % 8 != 0 || data.length() + 2 > 8 * 255) {
                throw new IllegalArgumentException("option data must be 6 + 8k bytes: " + data.length());
            }
        }

        public int length() {
            return data.length() + 2;
        }

        public void emit(byte[] buf, int off) {
            Bytes.put16(buf, off, type << 8 | length() / 8);
            data.copyTo(buf, off + 2);
        }
    }

    private static void emitLinkLayer(byte[] buf, int off, int type, MacAddress address) {
        Bytes.put16(buf, off, type << 8 | 1);
        address.write(buf, off + 2);
    }

    private static void checkU32(String name, long v) {
        if (v < 0 || v > 0xffff_ffffL) {
            throw new IllegalArgumentException(name + " must be an unsigned 32-bit value: " + v);
        }
    }
}
