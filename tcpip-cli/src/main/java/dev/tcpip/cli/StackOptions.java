package dev.tcpip.cli;

import dev.tcpip.Stack;
import dev.tcpip.socket.SocketStack;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The stack options every network command takes. Without --tap the command runs on the host's sockets. */
public final class StackOptions {

    @Spec(Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--tap", paramLabel = "IFNAME", description = "Run the direct stack on TAP device IFNAME.")
    String tap;

    @Option(names = "--ipv4", paramLabel = "A.B.C.D/N", description = "The direct stack's IPv4 address and prefix.")
    String ipv4;

    @Option(names = "--gateway", paramLabel = "A.B.C.D", description = "Default IPv4 gateway.")
    String gateway;

    @Option(names = "--ipv6", paramLabel = "ADDR/N", description = "A static IPv6 address.")
    String ipv6;

    @Option(names = "--mac", paramLabel = "XX:XX:XX:XX:XX:XX", description = "The stack's MAC address.")
    String mac;

    @Option(names = "--mtu", paramLabel = "N", description = "Link MTU (default: ${DEFAULT-VALUE}).", defaultValue = "1500")
    int mtu;

    @Option(names = "--pcap", paramLabel = "FILE", description = "Write every frame the direct stack sends and receives to FILE.")
    String pcap;

    /** Opens the stack these options describe. */
    Stack open() {
        if (tap == null) {
            String directOnly = ipv4 != null ? "--ipv4" : gateway != null ? "--gateway" : ipv6 != null ? "--ipv6"
                    : mac != null ? "--mac" : pcap != null ? "--pcap" : mtu != 1500 ? "--mtu" : null;
            if (directOnly != null) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "option '" + directOnly + "' is for the direct stack and needs --tap");
            }
            return SocketStack.dual();
        }
        throw new CommandLine.ParameterException(spec.commandLine(),
                "option '--tap': the direct stack on TAP devices is not available in this version yet;"
                        + " run without --tap to use the host's sockets");
    }
}
