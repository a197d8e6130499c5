package dev.tcpip.cli;

import static dev.tcpip.cli.TapLink.KERNEL;
import static dev.tcpip.cli.TapLink.STACK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tcpip.device.NeedsNetAdmin;
import dev.tcpip.device.NetNamespace;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * ECN between the direct stack and Linux over a TAP device, with {@code net.ipv4.tcp_ecn=1} set in the test's own
 * namespace: {@code tcpip nc --ecn on} connects to a Linux listener and a Linux client connects to
 * {@code tcpip nc -l}, 8 MiB each way on each connection, while the stack's fault wrapper marks 1 % of the
 * ECN-capable datagrams CE each way (the kernel here has no netem or fq_codel to do it). Both handshakes agree on ECN,
 * both streams arrive byte-exact, the marks reach both senders as ECE and each answers with CWR, and neither sender
 * retransmits.
 */
@NeedsNetAdmin
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class TapEcnIT {
    @TempDir
    Path dir;

    @Test
    void bothDirectionsNegotiateEcnAndCeMarkedTransfersCompleteWithoutRetransmission() throws Exception {
        try (TapLink link = TapLink.create()) {
            link.ns.run(10, "sysctl", "-qw", "net.ipv4.tcp_ecn=1");
            Path client = dir.resolve("client.pcap");
            Path pcap = dir.resolve("listener.pcap");
            List<String> options = List.of("--ecn", "on", "--ce", "1", "--seed", "7", "--pcap");
            new TapTransfers(link, dir, STACK, KERNEL).ncBothRoles(8 << 20, with(options, client), with(options, pcap));
            Map<String, Long> linux = nstat(link);
            assertTrue(linux.get("IpExtInCEPkts") > 0, "CE reached Linux: the stack sent ECT " + linux);
            assertTrue(linux.get("TcpExtTCPDeliveredCE") > 0, "Linux's sender heard ECE from the stack " + linux);
            // Linux sent no retransmission for a loss: no fast retransmit, recovery or timeout. Its tail loss probes
            // (a flight's end waits for the stack's delayed ACK) may resend a segment; those are all it resent.
            // The one loss ECN cannot prevent: a frame the kernel's queue toward the stack dropped because the
            // stack's reader was behind (a busy machine); each such drop may cost one repair, and the message
            // says how many there were.
            long queueDrops = link.towardStack().dropped();
            long repairs = 0;
            for (String c : List.of("TcpExtTCPFastRetrans", "TcpExtTCPTimeouts", "TcpExtTCPSackRecovery",
                    "TcpExtTCPRenoRecovery", "TcpExtTCPLossProbeRecovery")) {
                repairs += linux.get(c);
            }
            assertTrue(repairs <= queueDrops, "Linux repaired " + repairs + " losses; the device's queue dropped "
                    + queueDrops + " frames " + linux);
            assertTrue(linux.get("TcpRetransSegs") <= linux.get("TcpExtTCPLossProbes") + queueDrops,
                    "queue drops " + queueDrops + " " + linux);
            assertEquals(0, linux.get("TcpExtTCPDSACKOldSent"), "Linux received nothing twice " + linux);
            // tcpip nc -> Linux listener, as the stack saw it: its SYN asked, Linux's SYN-ACK agreed, data was ECT(0).
            String from = "ip.src==" + STACK, to = "ip.src==" + KERNEL;
            assertEquals(1, count(client, from + " && tcp.flags.syn==1 && tcp.flags.ack==0 && tcp.flags.ece==1"
                    + " && tcp.flags.cwr==1"), "the stack's SYN asks for ECN");
            assertEquals(1, count(client, to + " && tcp.flags.syn==1 && tcp.flags.ack==1 && tcp.flags.ece==1"
                    + " && tcp.flags.cwr==0"), "Linux's SYN-ACK agrees");
            assertTrue(count(client, from + " && tcp.len>0 && ip.dsfield.ecn==2") > 1000, "the stack's data is ECT(0)");
            assertTrue(count(client, from + " && tcp.flags.cwr==1 && tcp.flags.syn==0") > 0, "it reduced its window and sent CWR");
            assertEquals(0, count(client, from + " && tcp.analysis.retransmission"), "no retransmission");
            // Linux client -> tcpip nc -l.
            assertEquals(1, count(pcap, to + " && tcp.flags.syn==1 && tcp.flags.ack==0 && tcp.flags.ece==1 && tcp.flags.cwr==1"),
                    "Linux's SYN asks for ECN");
            assertEquals(1, count(pcap, from + " && tcp.flags.syn==1 && tcp.flags.ack==1 && tcp.flags.ece==1 && tcp.flags.cwr==0"),
                    "the stack's SYN-ACK agrees");
            assertTrue(count(pcap, from + " && tcp.len>0 && ip.dsfield.ecn==2") > 1000, "the stack's data is ECT(0)");
            assertEquals(0, count(pcap, from + " && tcp.len==0 && ip.dsfield.ecn!=0"), "its pure ACKs are Not-ECT");
            assertTrue(count(pcap, to + " && ip.dsfield.ecn==3") > 0, "CE marks on Linux's data");
            assertTrue(count(pcap, from + " && tcp.flags.ece==1 && tcp.flags.syn==0") > 0,
                    "the stack echoed them with ECE");
            assertTrue(count(pcap, to + " && tcp.flags.cwr==1 && tcp.flags.syn==0") > 0,
                    "and Linux answered with CWR");
            assertTrue(count(pcap, to + " && tcp.flags.ece==1 && tcp.flags.syn==0") > 0,
                    "Linux echoed the marks on the stack's data");
            assertTrue(count(pcap, from + " && tcp.flags.cwr==1 && tcp.flags.syn==0") > 0,
                    "the stack reduced its window and said so with CWR");
            assertEquals(0, count(pcap, from + " && tcp.analysis.retransmission"), "the stack retransmitted nothing");
        }
    }

    private static List<String> with(List<String> options, Path pcap) {
        List<String> all = new java.util.ArrayList<>(options);
        all.add(pcap.toString());
        return all;
    }

    /** The namespace's SNMP counters (its own: a new namespace starts from zero). */
    private static Map<String, Long> nstat(TapLink link) throws Exception {
        Map<String, Long> m = new java.util.TreeMap<>();
        for (String line : link.ns.run(10, "nstat", "-az").lines().toList()) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 2 && f[1].matches("\\d+") && f[0].matches("Tcp.*|IpExtIn(CE|ECT0|NoECT)Pkts")
                    && !f[0].startsWith("TcpExtTCPAO")) {
                m.put(f[0], Long.parseLong(f[1]));
            }
        }
        return m;
    }

    private static long count(Path pcap, String filter) throws Exception {
        return NetNamespace.exec(60, List.of("tshark", "-n", "-r", pcap.toString(), "-Y", filter)).lines().count();
    }
}
