/**
 * Network devices: the {@link dev.tcpip.device.NetworkDevice} a direct stack sends and receives Ethernet
 * frames through, the in-memory {@link dev.tcpip.device.MemoryNetwork} (links and a learning switch), and
 * wrappers that compose around any device: {@link dev.tcpip.device.FaultInjectingDevice} and
 * {@link dev.tcpip.device.CapturingDevice}.
 */
package dev.tcpip.device;
