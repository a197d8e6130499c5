/**
 * UDP (internal): demultiplexing by port and the {@link dev.tcpip.Udp} implementation.
 */
package dev.tcpip.direct.udp;
