package dev.tcpip.bench;

import dev.tcpip.wire.EthernetHeader;
import dev.tcpip.wire.EthernetView;
import dev.tcpip.wire.EtherType;
import dev.tcpip.wire.Ipv4Address;
import dev.tcpip.wire.Ipv4Header;
import dev.tcpip.wire.Ipv4View;
import dev.tcpip.wire.IpProtocol;
import dev.tcpip.wire.MacAddress;
import dev.tcpip.wire.ParseException;
import dev.tcpip.wire.TcpHeader;
import dev.tcpip.wire.TcpOptions;
import dev.tcpip.wire.TcpView;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Parsing one received frame as the direct stack will: Ethernet, IPv4 (header checksum), TCP (options
 * walk and checksum over the payload), then reading the fields a connection lookup needs.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ParseBenchmark {

    @Param({"0", "1448"})
    public int payload;

    private byte[] frame;

    @Setup
    public void setup() {
        Ipv4Address src = Ipv4Address.parse("10.0.0.1");
        Ipv4Address dst = Ipv4Address.parse("10.0.0.2");
        TcpHeader tcp = new TcpHeader(40000, 80, 1, 2, TcpHeader.ACK | TcpHeader.PSH, 500, 0,
                new TcpOptions(-1, -1, false, true, 7, 8, List.of()), payload);
        frame = new byte[14 + 20 + tcp.segmentLength()];
        new EthernetHeader(MacAddress.parse("02:00:00:00:00:02"), MacAddress.parse("02:00:00:00:00:01"),
                EtherType.IPV4).emit(frame, 0);
        Ipv4Header.of(src, dst, IpProtocol.TCP, 64, 1, tcp.segmentLength()).emit(frame, 14);
        tcp.emitIpv4(frame, 34, src, dst);
    }

    @Benchmark
    public long ethernetIpv4Tcp() throws ParseException {
        EthernetView e = EthernetView.parse(frame, 0, frame.length);
        Ipv4View ip = Ipv4View.parse(frame, e.payloadOffset(), e.payloadLength());
        TcpView t = TcpView.parse(ip);
        return (long) ip.srcBits() ^ t.srcPort() ^ t.seq() ^ t.ack() ^ t.tsVal() ^ t.payloadLength();
    }
}
