/**
 * IPv6 Neighbor Discovery (internal): NDP, MLD, SLAAC and duplicate address detection, and the neighbour cache.
 */
package dev.tcpip.direct.ndp;
