package dev.tcpip.device;

/** Which way a frame crosses a device, seen from the stack that owns it. */
public enum FrameDirection {
    /** Sent by the stack: egress. */
    SENT,
    /** Received by the stack: ingress. */
    RECEIVED
}
