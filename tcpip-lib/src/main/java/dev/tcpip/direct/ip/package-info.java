/**
 * IP layer (internal): IPv4 and IPv6 input and output, fragmentation and reassembly, the dual-family
 * dispatcher, and the contract between IP and the transports.
 */
package dev.tcpip.direct.ip;
