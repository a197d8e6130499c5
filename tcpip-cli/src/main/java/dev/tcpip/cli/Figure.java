package dev.tcpip.cli;

/** One measured figure of {@code tcpip bench}: what was done, by what, how much, in what unit. */
record Figure(String work, String system, double value, String unit) {

    String json() {
        return "{\"work\": \"" + work + "\", \"system\": \"" + system + "\", \"value\": "
                + String.format(java.util.Locale.ROOT, "%.4f", value) + ", \"unit\": \"" + unit + "\"}";
    }
}
