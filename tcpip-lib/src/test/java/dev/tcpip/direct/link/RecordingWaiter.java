package dev.tcpip.direct.link;

import java.util.ArrayList;
import java.util.List;

/** An {@link Arp.Waiter} (also what IPv6 neighbour resolution queues) that records what it was told, for tests. */
public final class RecordingWaiter implements Arp.Waiter {
    public final List<String> told = new ArrayList<>();

    /** What {@link #told} holds after {@code resolved(_, mac)}. */
    public static String resolvedWith(long mac) {
        return "resolved " + Long.toHexString(mac);
    }

    /** What {@link #told} holds after {@code failed(now)}. */
    public static String failedAt(long now) {
        return "failed at " + now;
    }

    @Override
    public void resolved(long now, long mac) {
        told.add(resolvedWith(mac));
    }

    @Override
    public void failed(long now) {
        told.add(failedAt(now));
    }
}
