package dev.tcpip.socks;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/** The live counters behind {@link Socks5Stats}. */
final class Counters {
    final AtomicLong connects = new AtomicLong();
    final AtomicLong connectFailures = new AtomicLong();
    final AtomicLongArray replies = new AtomicLongArray(256);
    final AtomicLong protocolErrors = new AtomicLong();
    final AtomicLong timeouts = new AtomicLong();
    final AtomicLong associations = new AtomicLong();
    final AtomicInteger associationsOpen = new AtomicInteger();
    final AtomicLong sent = new AtomicLong();
    final AtomicLong received = new AtomicLong();
    final AtomicLong dropped = new AtomicLong();
    final AtomicLong fragments = new AtomicLong();
    final AtomicLong malformed = new AtomicLong();
    final AtomicLong stray = new AtomicLong();

    Socks5Stats snapshot() {
        Map<Integer, Long> byReply = new HashMap<>();
        for (int i = 0; i < replies.length(); i++) {
            long n = replies.get(i);
            if (n != 0) {
                byReply.put(i, n);
            }
        }
        return new Socks5Stats(connects.get(), connectFailures.get(), byReply, protocolErrors.get(), timeouts.get(),
                associations.get(), associationsOpen.get(), sent.get(), received.get(), dropped.get(), fragments.get(),
                malformed.get(), stray.get());
    }
}
