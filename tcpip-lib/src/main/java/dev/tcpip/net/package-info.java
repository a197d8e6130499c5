/**
 * The Java ecosystem's socket types over any {@link dev.tcpip.Stack}: {@link dev.tcpip.net.StackSocketFactory}
 * ({@code javax.net.SocketFactory}) and {@link dev.tcpip.net.StackServerSocketFactory}
 * ({@code javax.net.ServerSocketFactory}), whose {@code java.net.Socket}s and {@code ServerSocket}s are
 * {@link dev.tcpip.TcpFlow}s and {@code Tcp.listen}, so that libraries which take a socket factory run over the
 * direct stack unchanged.
 */
package dev.tcpip.net;
