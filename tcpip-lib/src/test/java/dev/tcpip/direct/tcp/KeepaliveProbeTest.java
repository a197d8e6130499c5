package dev.tcpip.direct.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tcpip.Keepalive;
import dev.tcpip.direct.tcp.KeepaliveProbe.Action;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Keep-alive decisions (RFC 1122 §4.2.3.6, RFC 9293 §3.8.4): a probe only after {@code after} with nothing
 * heard from the peer, then one every {@code interval}; dead after {@code probes} unanswered probes; anything
 * heard from the peer starts over.
 */
class KeepaliveProbeTest {
    private static final long S = 1_000_000_000L;
    private static final Keepalive SETTINGS = new Keepalive(Duration.ofSeconds(60), Duration.ofSeconds(10), 3);
    private static final long T0 = 5 * S;            // the time the connection was set up

    @Test
    void theFirstProbeIsDueAfterTheIdleTime() {
        KeepaliveProbe k = new KeepaliveProbe(SETTINGS, T0);
        assertEquals(T0 + 60 * S, k.firstDeadline());
        assertEquals(T0 + 60 * S, k.nextDeadline());
        assertEquals(Action.WAIT, k.onTimer(T0 + 60 * S - 1));
        assertEquals(0, k.probesSent());
        assertEquals(Action.PROBE, k.onTimer(T0 + 60 * S));
        assertEquals(1, k.probesSent());
    }

    @Test
    void unansweredProbesFollowEveryIntervalThenThePeerIsDead() {
        KeepaliveProbe k = new KeepaliveProbe(SETTINGS, T0);
        long t = T0 + 60 * S;
        for (int i = 1; i <= 3; i++) {
            assertEquals(t, k.nextDeadline());
            assertEquals(Action.WAIT, k.onTimer(t - 1), "probe " + i + " is not due yet");
            assertEquals(Action.PROBE, k.onTimer(t), "probe " + i);
            assertEquals(i, k.probesSent());
            t += 10 * S;
        }
        assertEquals(T0 + 90 * S, k.nextDeadline());   // an interval after the last probe
        assertEquals(Action.WAIT, k.onTimer(T0 + 90 * S - 1));
        assertEquals(Action.DEAD, k.onTimer(T0 + 90 * S));
        assertEquals(3, k.probesSent());
    }

    @Test
    void aLateTimerSendsOneProbeAtATime() {
        KeepaliveProbe k = new KeepaliveProbe(SETTINGS, T0);
        assertEquals(Action.PROBE, k.onTimer(T0 + 1000 * S));
        assertEquals(Action.PROBE, k.onTimer(T0 + 1000 * S));
        assertEquals(2, k.probesSent());
        assertEquals(T0 + 80 * S, k.nextDeadline());
    }

    @Test
    void hearingFromThePeerStartsOver() {
        KeepaliveProbe k = new KeepaliveProbe(SETTINGS, T0);
        long heardAt = T0 + 30 * S;                      // a segment before any probe pushes the first one back
        assertEquals(heardAt + 60 * S, k.heard(heardAt));
        assertEquals(Action.WAIT, k.onTimer(T0 + 60 * S));
        assertEquals(heardAt + 60 * S, k.nextDeadline());

        assertEquals(Action.PROBE, k.onTimer(heardAt + 60 * S));
        assertEquals(Action.PROBE, k.onTimer(heardAt + 70 * S));
        long answered = heardAt + 75 * S;                // the peer answers the second probe
        assertEquals(answered + 60 * S, k.heard(answered));
        assertEquals(0, k.probesSent());
        assertEquals(answered + 60 * S, k.firstDeadline());
        assertEquals(Action.WAIT, k.onTimer(heardAt + 80 * S));
        for (int i = 0; i < 3; i++) {                    // a full new round of probes before death
            assertEquals(Action.PROBE, k.onTimer(answered + (60 + 10L * i) * S));
        }
        assertEquals(Action.DEAD, k.onTimer(answered + 90 * S));
    }

    @Test
    void oneProbeSettingDeclaresDeathOneIntervalAfterIt() {
        KeepaliveProbe k = new KeepaliveProbe(new Keepalive(Duration.ofHours(2), Duration.ofSeconds(75), 1), 0);
        assertEquals(Action.PROBE, k.onTimer(7200 * S));  // RFC 1122 §4.2.3.6: the default is no less than 2 h
        assertEquals(Action.WAIT, k.onTimer(7274 * S));
        assertEquals(Action.DEAD, k.onTimer(7275 * S));
    }
}
