package dev.tcpip.time;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class TimerQueueTest {

    @Test
    void pollsInDeadlineOrderThenSchedulingOrderAfterRandomRemovals() {
        RandomGenerator rnd = Seeds.random(42, "timer-queue");
        TimerQueue q = new TimerQueue();
        List<Timer> model = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            Timer t = new Timer(rnd.nextLong(100), i, now -> {}, null);
            q.add(t);
            model.add(t);
            if (rnd.nextInt(3) == 0) {
                Timer gone = model.remove(rnd.nextInt(model.size()));
                q.remove(gone);
                q.remove(gone);                   // a second removal is a no-op
            }
        }
        model.sort(Comparator.<Timer>comparingLong(t -> t.deadline).thenComparingLong(t -> t.seq));
        assertEquals(model.size(), q.size());
        for (Timer expected : model) {
            assertEquals(expected, q.poll());
        }
        assertNull(q.poll());
    }

    @Test
    void movedTimersPollAsIfRemovedAndAddedAnew() {
        RandomGenerator rnd = Seeds.random(7, "timer-queue-move");
        TimerQueue q = new TimerQueue();
        List<Timer> model = new ArrayList<>();
        long seq = 0;
        for (int i = 0; i < 5_000; i++) {
            Timer t = new Timer(rnd.nextLong(100), seq++, now -> {}, null);
            q.add(t);
            model.add(t);
            if (rnd.nextInt(2) == 0) {                  // earlier, later or the same deadline, with a fresh seq
                Timer moved = model.get(rnd.nextInt(model.size()));
                q.move(moved, rnd.nextLong(100), seq++);
                assertEquals(moved.seq, seq - 1);
            }
        }
        model.sort(Comparator.<Timer>comparingLong(t -> t.deadline).thenComparingLong(t -> t.seq));
        assertEquals(model.size(), q.size());
        for (Timer expected : model) {
            assertEquals(expected, q.poll());
        }
        assertNull(q.poll());
        Timer gone = new Timer(1, seq, now -> {}, null);
        assertThrows(IllegalStateException.class, () -> q.move(gone, 2, 0));
    }

    @Test
    void removeOwnedByKeepsOthersInOrder() {
        TimerQueue q = new TimerQueue();
        Object a = new Object(), b = new Object();
        for (int i = 0; i < 100; i++) {
            q.add(new Timer(100 - i, i, now -> {}, i % 2 == 0 ? a : b));
        }
        q.removeOwnedBy(a);
        assertEquals(50, q.size());
        long last = Long.MIN_VALUE;
        for (Timer t; (t = q.poll()) != null; ) {
            assertEquals(b, t.owner);
            assertEquals(true, t.deadline >= last);
            last = t.deadline;
        }
    }
}
