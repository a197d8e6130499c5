/**
 * TCP (internal): connections, sending, receiving, loss recovery and timers over the IP layer's contract.
 */
package dev.tcpip.direct.tcp;
