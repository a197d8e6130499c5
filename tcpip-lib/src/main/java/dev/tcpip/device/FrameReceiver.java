package dev.tcpip.device;

/**
 * Takes the frames a {@link NetworkDevice} receives, on the owner's event loop. The bytes are lent only for
 * the call: the device reuses the buffer afterwards, so a receiver that keeps a frame copies it.
 */
@FunctionalInterface
public interface FrameReceiver {
    void receive(byte[] frame, int off, int len);
}
