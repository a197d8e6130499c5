package dev.tcpip.cli;

import sun.misc.Signal;

/** SIGINT and SIGTERM as an ordinary event, so that a server can stop cleanly and exit 0. */
final class Signals {

    private Signals() {
    }

    static void onTermination(Runnable action) {
        for (String name : new String[] {"INT", "TERM"}) {
            Signal.handle(new Signal(name), s -> action.run());
        }
    }
}
