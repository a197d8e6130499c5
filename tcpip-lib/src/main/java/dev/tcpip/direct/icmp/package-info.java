/**
 * ICMP (internal): ICMPv4 and ICMPv6 echo, rate-limited errors, errors delivered to transports, ping.
 */
package dev.tcpip.direct.icmp;
