/**
 * Network devices: the {@link dev.tcpip.device.NetworkDevice} a direct stack sends and receives frames through
 * (Ethernet frames, or bare IP datagrams on a point-to-point link: {@link dev.tcpip.device.LinkType}), the
 * in-memory {@link dev.tcpip.device.MemoryNetwork} (links and a learning switch) and
 * {@link dev.tcpip.device.PointToPointLink}, Linux {@link dev.tcpip.device.TapDevice} and
 * {@link dev.tcpip.device.TunDevice}, and wrappers that compose around any device:
 * {@link dev.tcpip.device.FaultInjectingDevice} and {@link dev.tcpip.device.CapturingDevice}.
 */
package dev.tcpip.device;
