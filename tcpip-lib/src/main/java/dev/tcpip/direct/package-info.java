/**
 * The direct stack's public face: {@link dev.tcpip.direct.DirectStack}, its configuration and the records it
 * returns. The layers live in the subpackages, which the module does not export.
 */
package dev.tcpip.direct;
