package dev.tcpip.time;

/** A queued task that must learn that its loop closed before running it (to fail its future). */
interface Abandonable {
    void abandon();
}
