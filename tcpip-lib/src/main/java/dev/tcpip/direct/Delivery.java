package dev.tcpip.direct;

/**
 * Who hears how one outgoing datagram fared: sent (handed to the device), or failed before it left (no
 * route, too big with DF, the next hop unresolved). Called on the loop, once.
 */
interface Delivery {
    void sent();

    void failed(long now, IcmpError.Kind kind, String why);

    /** Nobody listens (ICMP messages the stack sends on its own). */
    Delivery NONE = new Delivery() {
        @Override
        public void sent() {
        }

        @Override
        public void failed(long now, IcmpError.Kind kind, String why) {
        }
    };
}
