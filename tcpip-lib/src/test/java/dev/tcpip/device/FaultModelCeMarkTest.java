package dev.tcpip.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.wire.Ecn;
import dev.tcpip.wire.EtherType;
import dev.tcpip.wire.EthernetHeader;
import dev.tcpip.wire.IpProtocol;
import dev.tcpip.wire.Ipv4Address;
import dev.tcpip.wire.Ipv4Header;
import dev.tcpip.wire.Ipv4View;
import dev.tcpip.wire.Ipv6Address;
import dev.tcpip.wire.Ipv6Header;
import dev.tcpip.wire.Ipv6View;
import dev.tcpip.wire.MacAddress;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link Faults#ceMark()}: ECN-capable datagrams are marked CE (IPv4 checksum kept right), nothing else changes. */
class FaultModelCeMarkTest {

    private static byte[] ipv4Frame(int ecn) {
        byte[] f = new byte[14 + 60];
        int at = new EthernetHeader(new MacAddress(2), new MacAddress(3), EtherType.IPV4).emit(f, 0);
        new Ipv4Header(0, ecn, 7, true, false, 0, 64, IpProtocol.TCP, Ipv4Address.parse("10.0.0.1"),
                Ipv4Address.parse("10.0.0.2"), null, 40).emit(f, at);
        return f;
    }

    private static byte[] ipv6Datagram(int ecn) {
        byte[] f = new byte[40 + 20];
        new Ipv6Header(ecn | 0xb8, 5, 64, Ipv6Address.parse("2001:db8::1"), Ipv6Address.parse("2001:db8::2"),
                List.of(), IpProtocol.TCP, 20).emit(f, 0);
        return f;
    }

    @Test
    void ectIsMarkedAndTheRestPassesUnchanged() throws Exception {
        FaultModel ethernet = new FaultModel(Faults.NONE.withCeMark(1.0), new SplittableRandom(1), 14);
        FaultModel ip = new FaultModel(Faults.NONE.withCeMark(1.0), new SplittableRandom(1), 0);
        for (int ecn : new int[] {Ecn.ECT_0, Ecn.ECT_1}) {
            FaultModel.Pass p = (FaultModel.Pass) ethernet.next(ipv4Frame(ecn), 0, 74);
            assertTrue(p.marked());
            Ipv4View v = Ipv4View.parse(p.buf(), p.off() + 14, 60);   // parse checks the header checksum
            assertEquals(Ecn.CE, v.ecn());
            assertEquals(7, v.identification());
            FaultModel.Pass q = (FaultModel.Pass) ip.next(ipv6Datagram(ecn), 0, 60);
            assertTrue(q.marked());
            Ipv6View w = Ipv6View.parse(q.buf(), q.off(), 60);
            assertEquals(0xb8 | Ecn.CE, w.trafficClass(), "the DSCP stays");
            assertEquals(5, w.flowLabel());
        }
        for (int ecn : new int[] {Ecn.NOT_ECT, Ecn.CE}) {
            byte[] f = ipv4Frame(ecn);
            FaultModel.Pass p = (FaultModel.Pass) ethernet.next(f, 0, f.length);
            assertFalse(p.marked());
            assertArrayEquals(f, java.util.Arrays.copyOfRange(p.buf(), p.off(), p.off() + p.len()));
        }
    }
}
