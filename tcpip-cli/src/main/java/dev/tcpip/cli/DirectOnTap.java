package dev.tcpip.cli;

import dev.tcpip.Stack;
import dev.tcpip.Tcp;
import dev.tcpip.Udp;
import dev.tcpip.direct.DirectStack;
import java.io.IOException;

/** The direct stack on a TAP device, with the capture file it may write; closing closes both. */
final class DirectOnTap implements Stack {
    private final DirectStack direct;
    private final PcapFile pcap;                 // null without --pcap

    DirectOnTap(DirectStack direct, PcapFile pcap) {
        this.direct = direct;
        this.pcap = pcap;
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

    /** Disconnects the stack (which closes the TAP device), then completes the capture file. */
    @Override
    public void disconnect() {
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
