package dev.tcpip.wire;

/** EtherType values used by the stack (IEEE 802 numbers). */
public final class EtherType {
    public static final int IPV4 = 0x0800;
    public static final int ARP = 0x0806;
    public static final int VLAN = 0x8100;
    public static final int IPV6 = 0x86dd;

    private EtherType() {
    }
}
