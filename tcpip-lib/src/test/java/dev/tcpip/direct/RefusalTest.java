package dev.tcpip.direct;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tcpip.direct.ip.IcmpError;
import org.junit.jupiter.api.Test;

/** The forwarding code turns a refusal into the ICMP error of the same name: the names must stay in step. */
class RefusalTest {
    @Test
    void everyRefusalButResetNamesAnIcmpErrorKind() {
        for (Refusal r : Refusal.values()) {
            if (r != Refusal.RESET) {
                assertEquals(r.name(), IcmpError.Kind.valueOf(r.name()).name());
            }
        }
    }
}
