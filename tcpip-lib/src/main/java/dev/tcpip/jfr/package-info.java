/**
 * The stack's JDK Flight Recorder events (not exported: recordings name them, code does not). Each is committed
 * through {@link dev.tcpip.jfr.TcpipEvents}, which tests {@code isEnabled()} on a fresh event before it reads or
 * formats anything: with no recording on, that is a constant false the JIT folds, and the event object is
 * eliminated.
 */
package dev.tcpip.jfr;
