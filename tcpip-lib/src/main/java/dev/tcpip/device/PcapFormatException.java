package dev.tcpip.device;

import java.io.IOException;

/** A pcap file is truncated or not in the classic pcap format; says where and why. */
public final class PcapFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    public PcapFormatException(String message) {
        super(message);
    }
}
