package dev.tcpip.device;

import java.util.Objects;

/**
 * The common part of devices that wrap another: identity, MTU, link type, checksum offload and closing pass through to
 * {@code inner}.
 */
abstract class WrappingDevice implements NetworkDevice {
    final NetworkDevice inner;

    WrappingDevice(NetworkDevice inner) {
        this.inner = Objects.requireNonNull(inner, "inner");
    }

    /** The wrapped device. */
    public NetworkDevice inner() {
        return inner;
    }

    @Override
    public long mac() {
        return inner.mac();
    }

    @Override
    public int mtu() {
        return inner.mtu();
    }

    @Override
    public LinkType linkType() {
        return inner.linkType();
    }

    @Override
    public boolean offloadsChecksums() {
        return inner.offloadsChecksums();
    }

    @Override
    public void close() {
        inner.close();
    }
}
