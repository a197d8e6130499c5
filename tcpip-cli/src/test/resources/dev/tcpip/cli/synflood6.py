#!/usr/bin/env python3
"""Floods TCP SYNs over IPv6 from a few spoofed sources: hping3 has no IPv6.

usage: synflood6.py IFACE DST_MAC DST_ADDR DST_PORT COUNT RATE SRC_ADDR...

Writes COUNT Ethernet frames on IFACE (an AF_PACKET socket: run it in the namespace that holds the TAP
device, whose reader is the stack under test). Each frame is a SYN with an MSS option from one of the
SRC_ADDRs (in turn) and a source port and sequence number that change per frame; the TCP checksum is
updated incrementally (RFC 1624) so that every frame is valid. RATE frames per second at most (paced in
steps of 10 ms; 0 for as fast as it can). Prints the number of frames written.
"""
import socket
import struct
import sys
import time


def csum_fold(s):
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def tcp_checksum(src, dst, segment):
    pseudo = src + dst + struct.pack("!IxxxB", len(segment), 6)
    data = pseudo + segment
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    return (~csum_fold(s)) & 0xFFFF


def main():
    iface, dst_mac, dst_addr, dst_port, count, rate = sys.argv[1:7]
    srcs = sys.argv[7:]
    dst_port, count, rate = int(dst_port), int(count), int(rate)
    step = max(1, rate // 100)  # frames per 10 ms
    dmac = bytes.fromhex(dst_mac.replace(":", ""))
    dst = socket.inet_pton(socket.AF_INET6, dst_addr)
    templates = []
    for i, s in enumerate(srcs):
        src = socket.inet_pton(socket.AF_INET6, s)
        smac = bytes([0x02, 0x66, 0, 0, 0, i + 1])
        # sport 1024, seq 0x10000000, SYN, window 64240, MSS 1440
        tcp = struct.pack("!HHIIBBHHH", 1024, dst_port, 0x10000000, 0, 6 << 4, 0x02, 64240, 0, 0) \
            + struct.pack("!BBH", 2, 4, 1440)
        c = tcp_checksum(src, dst, tcp)
        ip6 = struct.pack("!IHBB", 6 << 28, len(tcp), 6, 64) + src + dst
        frame = bytearray(dmac + smac + b"\x86\xdd" + ip6 + tcp)
        templates.append((frame, c))
    tcp_off = 14 + 40
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind((iface, 0))
    n = len(templates)
    sent = 0
    start = time.monotonic()
    for k in range(count):
        if rate > 0 and k % step == 0:
            ahead = k / rate - (time.monotonic() - start)
            if ahead > 0:
                time.sleep(ahead)
        frame, c0 = templates[k % n]
        sport = 1024 + (k // n) % 64000
        seq_lo = (k * 7919) & 0xFFFF
        # RFC 1624 eq. 3: HC' = ~(~HC + ~m + m') for each changed 16-bit word (sport was 1024, seq_lo was 0)
        s = (~c0 & 0xFFFF) + (~1024 & 0xFFFF) + sport + 0xFFFF + seq_lo
        c = (~csum_fold(s)) & 0xFFFF
        struct.pack_into("!H", frame, tcp_off, sport)
        struct.pack_into("!H", frame, tcp_off + 6, seq_lo)
        struct.pack_into("!H", frame, tcp_off + 16, c)
        try:
            sock.send(frame)
            sent += 1
        except OSError:
            pass  # the device's queue is full: that frame is lost, as on a wire
    print(sent)


if __name__ == "__main__":
    main()
