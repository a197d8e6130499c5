package dev.tcpip.cli;

import dev.tcpip.FlowInfo;
import dev.tcpip.Stack;
import dev.tcpip.Tcp;
import dev.tcpip.Udp;
import dev.tcpip.direct.DhcpClient;
import dev.tcpip.direct.DirectStack;
import java.io.IOException;
import java.util.List;

/** The direct stack on a TAP device, with the capture file it may write; closing closes both. */
final class DirectOnTap implements Stack {
    private final DirectStack direct;
    private final PcapFile pcap;                 // null without --pcap
    private final DhcpClient dhcp;               // null without --dhcp

    DirectOnTap(DirectStack direct, PcapFile pcap) {
        this(direct, pcap, null);
    }

    DirectOnTap(DirectStack direct, PcapFile pcap, DhcpClient dhcp) {
        this.direct = direct;
        this.pcap = pcap;
        this.dhcp = dhcp;
    }

    DirectStack direct() {
        return direct;
    }

    @Override
    public Tcp tcp() {
        return direct.tcp();
    }

    @Override
    public Udp udp() {
        return direct.udp();
    }

    @Override
    public List<FlowInfo> flows() {
        return direct.flows();
    }

    /** Disconnects the stack (which closes the TAP device), then completes the capture file. */
    @Override
    public void disconnect() {
        if (dhcp != null) {
            dhcp.close();                        // RELEASE the lease (RFC 2131 §4.4.6)
        }
        direct.disconnect();
        if (pcap != null) {
            try {
                pcap.close();
            } catch (IOException e) {
                System.err.println("tcpip: " + e.getMessage());
            }
        }
    }
}
