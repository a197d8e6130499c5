package dev.tcpip.direct;

import dev.tcpip.FlowHandler;
import java.util.Objects;

/** The answer of {@link TcpForwarding#open}: accept the guest's connection, or refuse it in one of the ways a router would. */
public sealed interface SynAnswer {

    /**
     * Send the SYN-ACK. {@code established} runs (on its own thread) with the guest's flow once the handshake
     * completes; {@code abandoned} runs (on its own thread) instead if it never does: the guest reset or stopped
     * answering, the connect timeout had already passed, or the stack was disconnected. Exactly one of them runs.
     */
    record Accept(FlowHandler established, Runnable abandoned) implements SynAnswer {
        public Accept {
            Objects.requireNonNull(established, "established");
            Objects.requireNonNull(abandoned, "abandoned");
        }
    }

    /** Refuse: a RST, or an ICMP destination unreachable of the refusal's kind. */
    record Refuse(Refusal how) implements SynAnswer {
        public Refuse {
            Objects.requireNonNull(how, "how");
        }
    }

    static SynAnswer accept(FlowHandler established, Runnable abandoned) {
        return new Accept(established, abandoned);
    }

    static SynAnswer refuse(Refusal how) {
        return new Refuse(how);
    }
}
