package dev.tcpip.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code --socks5}'s credentials: inline USER:PASS, or USER with the password from the environment. */
class RelayCredentialsTest {
    @Test
    void inlinePasswordMayHoldColonsAndWinsOverTheEnvironment() {
        assertArrayEquals(new String[] {"relay", "s3c:ret"}, Relay.credentials("relay:s3c:ret", "other"));
    }

    @Test
    void userAloneTakesThePasswordFromTheEnvironment() {
        assertArrayEquals(new String[] {"relay", "s3c:ret"}, Relay.credentials("relay", "s3c:ret"));
    }

    @Test
    void userAloneWithoutTheVariableNamesIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Relay.credentials("relay", null));
        assertTrue(e.getMessage().contains(Relay.PASSWORD_VARIABLE), e.getMessage());
    }
}
