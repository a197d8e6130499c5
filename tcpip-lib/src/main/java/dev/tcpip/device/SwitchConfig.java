package dev.tcpip.device;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link MemoryNetwork}'s switch; every knob with its default and the reason for it.
 *
 * @param macTableCapacity learned addresses kept at most. Default 1024: far more hosts than a test wires,
 *     and a bound that a MAC flood (random source addresses) hits quickly. At the bound, expired entries
 *     are purged; if none, the new source is not learned (counted as {@link Counter#MAC_TABLE_FULL}) and
 *     frames to it are flooded, as a hardware switch does.
 * @param ageing how long an address stays learned without a frame from it. Default 300 s, the IEEE 802.1D
 *     default ageing time.
 */
public record SwitchConfig(int macTableCapacity, Duration ageing) {

    /** The defaults described above. */
    public static final SwitchConfig DEFAULTS = new SwitchConfig(1024, Duration.ofSeconds(300));

    public SwitchConfig {
        if (macTableCapacity < 1 || macTableCapacity > 1 << 20) {
            throw new IllegalArgumentException("macTableCapacity must be in 1..2^20: " + macTableCapacity);
        }
        Objects.requireNonNull(ageing, "ageing");
        if (ageing.isNegative() || ageing.isZero()) {
            throw new IllegalArgumentException("ageing must be positive: " + ageing);
        }
    }
}
