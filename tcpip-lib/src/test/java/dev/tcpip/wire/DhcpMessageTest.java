package dev.tcpip.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** DHCPv4 messages (RFC 2131 §2, RFC 2132): the layout, options, round trips and malformed input. */
class DhcpMessageTest {

    private static final MacAddress MAC = MacAddress.parse("02:00:00:00:00:64");

    private static byte[] resource(String name) throws Exception {
        try (InputStream in = DhcpMessageTest.class.getResourceAsStream("DhcpFuzzTestInputs/dhcp/" + name)) {
            return in.readAllBytes();
        }
    }

    @Test
    void readsADiscoverWrittenByHandFromTheRfcLayout() throws Exception {
        byte[] b = resource("discover");
        DhcpMessage m = DhcpMessage.parse(b, 0, b.length);
        assertEquals(DhcpMessage.BOOTREQUEST, m.op());
        assertEquals(0x12345678, m.xid());
        assertTrue(m.broadcast());
        assertEquals(MAC, m.chaddr());
        assertEquals(DhcpMessage.DISCOVER, m.messageType());
        assertEquals(Ipv4Address.parse("10.0.2.100"), m.address(DhcpMessage.OPT_REQUESTED_ADDRESS));
        assertNull(m.address(DhcpMessage.OPT_SERVER_ID));
        assertEquals(3, m.options().size());
        assertArrayEquals(b, m.toBytes(), "re-emitted byte for byte (300 bytes, end option, zero padding)");
    }

    @Test
    void emitsTheFixedFieldsAtTheirOffsets() throws Exception {
        DhcpMessage m = new DhcpMessage(DhcpMessage.BOOTREPLY, 0x12345678, 0, false, Ipv4Address.ANY,
                Ipv4Address.parse("10.0.2.100"), Ipv4Address.ANY, Ipv4Address.ANY, MAC, List.of(
                DhcpMessage.Option.ofByte(DhcpMessage.OPT_MESSAGE_TYPE, DhcpMessage.ACK),
                DhcpMessage.Option.ofAddresses(DhcpMessage.OPT_SERVER_ID, List.of(Ipv4Address.parse("10.0.2.2"))),
                DhcpMessage.Option.ofInt(DhcpMessage.OPT_LEASE_TIME, 3600),
                DhcpMessage.Option.ofAddresses(DhcpMessage.OPT_SUBNET_MASK, List.of(Ipv4Address.parse("255.255.255.0"))),
                DhcpMessage.Option.ofAddresses(DhcpMessage.OPT_ROUTER, List.of(Ipv4Address.parse("10.0.2.2"))),
                DhcpMessage.Option.ofAddresses(DhcpMessage.OPT_DNS, List.of(Ipv4Address.parse("10.0.2.3"))),
                DhcpMessage.Option.ofShort(DhcpMessage.OPT_MTU, 1500)));
        assertArrayEquals(resource("ack"), m.toBytes());
        assertEquals(3600, m.uint32(DhcpMessage.OPT_LEASE_TIME));
    }

    @Test
    void skipsPadsAndStopsAtTheEnd() throws Exception {
        byte[] b = resource("discover");
        byte[] padded = Arrays.copyOf(b, b.length);
        // Move the options one byte on with a pad in front; put garbage after the end option.
        System.arraycopy(b, 240, padded, 241, 40);
        padded[240] = 0;
        padded[299] = 7;
        DhcpMessage m = DhcpMessage.parse(padded, 0, padded.length);
        assertEquals(DhcpMessage.parse(b, 0, b.length), m);
    }

    @Test
    void rejectsMalformedMessages() throws Exception {
        byte[] good = resource("discover");
        assertThrows(ParseException.class, () -> DhcpMessage.parse(good, 0, 239));        // no room for the cookie
        byte[] b = good.clone();
        b[236] = 0;
        assertEquals("dhcp.cookie", assertThrows(ParseException.class, () -> DhcpMessage.parse(b, 0, b.length)).field());
        byte[] c = good.clone();
        c[0] = 3;
        assertEquals("dhcp.op", assertThrows(ParseException.class, () -> DhcpMessage.parse(c, 0, c.length)).field());
        byte[] d = good.clone();
        d[1] = 6;                                                                        // IEEE 802 token ring
        assertEquals("dhcp.htype", assertThrows(ParseException.class, () -> DhcpMessage.parse(d, 0, d.length)).field());
        byte[] e = good.clone();
        assertThrows(ParseException.class, () -> DhcpMessage.parse(e, 0, 242));           // option 53 cut short
        byte[] f = Arrays.copyOf(good, 244);
        f[243] = 55;                                                                     // after type: a code alone
        assertThrows(ParseException.class, () -> DhcpMessage.parse(f, 0, f.length));
    }

    @Test
    void roundTripsRandomMessages() throws Exception {
        var rnd = new java.util.SplittableRandom(Long.getLong("tcpip.seed", 15L));
        for (int i = 0; i < 2_000; i++) {
            List<DhcpMessage.Option> opts = new java.util.ArrayList<>();
            for (int k = rnd.nextInt(6); k > 0; k--) {
                byte[] data = new byte[rnd.nextInt(40)];
                rnd.nextBytes(data);
                opts.add(new DhcpMessage.Option(1 + rnd.nextInt(254), data));
            }
            DhcpMessage m = new DhcpMessage(1 + rnd.nextInt(2), rnd.nextInt(), rnd.nextInt(65_536), rnd.nextBoolean(),
                    new Ipv4Address(rnd.nextInt()), new Ipv4Address(rnd.nextInt()), new Ipv4Address(rnd.nextInt()),
                    new Ipv4Address(rnd.nextInt()), new MacAddress(rnd.nextLong() & 0xffff_ffff_ffffL), opts);
            byte[] out = m.toBytes();
            assertEquals(m, DhcpMessage.parse(out, 0, out.length));
        }
    }
}
