/**
 * Hooks between the library's own packages, not exported by the module: the event-driven relay in
 * {@code dev.tcpip.forward} takes a direct flow's received data on its loop ({@link LoopDelivered}) and a socket
 * flow's channel ({@link ChannelBacked}), neither of which the public {@code TcpFlow} API offers.
 */
package dev.tcpip.internal;
