package dev.tcpip.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tcpip.FlowInfo;
import dev.tcpip.TcpInfo;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The --stats table's cells, alignment and period parsing. */
class FlowStatsTest {

    private static TcpInfo info(long sent, long received, OptionalLong rtt, OptionalLong rate) {
        OptionalLong none = OptionalLong.empty();
        return new TcpInfo(TcpInfo.State.ESTABLISHED, TcpInfo.CongestionState.OPEN, 200_000_000L, rtt, none, none,
                1448, 14_480, none, none, 0, none, 0, sent, sent, received, 0, 3, 4, 2, none, none, none, none, none,
                rate, false, none, none, none, 0);
    }

    @Test
    void rowsAreAlignedNumbersToTheRightAndAbsentValuesADash() {
        FlowInfo a = new FlowInfo(new InetSocketAddress(InetAddress.ofLiteral("10.0.0.1"), 80),
                new InetSocketAddress(InetAddress.ofLiteral("10.0.0.2"), 40_000),
                info(1_234_567, 89, OptionalLong.of(4_123_456), OptionalLong.of(117_500_000)));
        FlowInfo b = new FlowInfo(new InetSocketAddress(InetAddress.ofLiteral("2001:db8::1"), 7),
                new InetSocketAddress(InetAddress.ofLiteral("2001:db8::2"), 50_000),
                info(5, 123_456_789, OptionalLong.empty(), OptionalLong.empty()));
        String t = FlowStats.table(List.of(FlowStats.row("direct", a), FlowStats.row("socket", b)));
        assertEquals("""
                tcpip stats: 2 flows
                STACK   LOCAL            PEER                 STATE           SENT   RECEIVED   CWND     SRTT  RETRANS     DELIVERY
                direct  10.0.0.1:80      10.0.0.2:40000       ESTABLISHED  1234567         89  14480  4.123ms        2  940.0Mbit/s
                socket  [2001:db8::1]:7  [2001:db8::2]:50000  ESTABLISHED        5  123456789  14480        -        2            -

                """, t);
        assertEquals("tcpip stats: 0 flows\n\n", FlowStats.table(List.of()));
    }

    @Test
    void thePeriodIsAPositiveNumberOfSeconds() {
        CommandLine cl = new CommandLine(new Main());
        assertEquals(Duration.ofSeconds(2), FlowStats.period("2", cl));
        assertEquals(Duration.ofMillis(500), FlowStats.period("0.5", cl));
        assertEquals(null, FlowStats.period(null, cl));
        for (String bad : List.of("0", "-3", "x", "NaN", "0.0000001", "86401")) {
            CommandLine.ParameterException e = assertThrows(CommandLine.ParameterException.class,
                    () -> FlowStats.period(bad, cl), bad);
            assertEquals(true, e.getMessage().contains("'--stats'"), e.getMessage());
        }
    }
}
