/**
 * The direct stack's counters (internal): written by its loop only, readable from any thread.
 */
package dev.tcpip.direct.stats;
