/**
 * Link layer (internal): Ethernet framing and demultiplexing, and ARP (RFC 826) with its bounded cache.
 */
package dev.tcpip.direct.link;
