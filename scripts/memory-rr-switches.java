import java.lang.reflect.*;
import java.net.InetAddress;
import java.nio.file.*;
import java.util.*;

/**
 * 1-byte request/response between two in-memory direct stacks (DirectTcpBench.roundTrips, the RR row of `bench
 * direct-tcp`, MTU 1500), warm-up then ROUNDS x N round trips on one pair, with the voluntary context switches per
 * round trip of all the JVM's threads and by thread name (/proc/self/task). With "kernel", the kernel's same-CPU
 * loopback figure (KernelRoundTrips) follows in the same process. Usage:
 *   java --enable-native-access=ALL-UNNAMED -cp tcpip-cli/target/tcpip.jar scripts/memory-rr-switches.java 50000 3 kernel
 */
public class RrOnly {
    static long[] switches() throws Exception {
        long v = 0, nv = 0;
        try (var ds = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path t : ds) {
                try {
                    for (String l : Files.readAllLines(t.resolve("status"))) {
                        if (l.startsWith("voluntary_ctxt_switches:")) v += Long.parseLong(l.split("\\s+")[1]);
                        if (l.startsWith("nonvoluntary_ctxt_switches:")) nv += Long.parseLong(l.split("\\s+")[1]);
                    }
                } catch (java.io.IOException e) { }
            }
        }
        return new long[] {v, nv};
    }
    static Map<String, Long> byName() throws Exception {
        Map<String, Long> m = new TreeMap<>();
        try (var ds = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path t : ds) {
                try {
                    String name = Files.readString(t.resolve("comm")).trim().replaceAll("[0-9]+$", "");
                    for (String l : Files.readAllLines(t.resolve("status"))) {
                        if (l.startsWith("voluntary_ctxt_switches:")) m.merge(name, Long.parseLong(l.split("\\s+")[1]), Long::sum);
                    }
                } catch (java.io.IOException e) { }
            }
        }
        return m;
    }
    public static void main(String[] a) throws Throwable {
        int n = Integer.parseInt(a.length > 0 ? a[0] : "50000");
        int rounds = Integer.parseInt(a.length > 1 ? a[1] : "5");
        Class<?> bench = Class.forName("dev.tcpip.cli.DirectTcpBench");
        Class<?> pairC = Class.forName("dev.tcpip.cli.DirectTcpBench$Pair");
        Method direct = pairC.getDeclaredMethod("direct", int.class); direct.setAccessible(true);
        Class<?> stackC = Class.forName("dev.tcpip.Stack");
        Method rt = bench.getDeclaredMethod("roundTrips", stackC, stackC, InetAddress.class, int.class); rt.setAccessible(true);
        Object p = direct.invoke(null, 1500);
        Method server = pairC.getDeclaredMethod("server"), client = pairC.getDeclaredMethod("client"), addr = pairC.getDeclaredMethod("serverAddress");
        server.setAccessible(true); client.setAccessible(true); addr.setAccessible(true);
        Object s = server.invoke(p), c = client.invoke(p), ad = addr.invoke(p);
        rt.invoke(null, s, c, ad, n / 2);
        double[] r = new double[rounds];
        long[] b = switches();
        Map<String, Long> nb = byName();
        for (int i = 0; i < rounds; i++) r[i] = (double) rt.invoke(null, s, c, ad, n);
        long[] e = switches();
        Map<String, Long> ne = byName();
        StringBuilder sb = new StringBuilder();
        for (var en : ne.entrySet()) {
            double d = (en.getValue() - nb.getOrDefault(en.getKey(), 0L)) / (double) (n * rounds);
            if (d > 0.01) sb.append(String.format(Locale.ROOT, " %s=%.2f", en.getKey(), d));
        }
        System.out.println("per thread:" + sb);
        double[] sorted = r.clone(); Arrays.sort(sorted);
        System.out.printf(Locale.ROOT, "rr %s median %.0f /s; voluntary switches/rt %.2f, involuntary %.2f%n",
            Arrays.toString(Arrays.stream(r).mapToLong(Math::round).toArray()), sorted[rounds / 2],
            (e[0] - b[0]) / (double) (n * rounds), (e[1] - b[1]) / (double) (n * rounds));
        ((AutoCloseable) p).close();
        if (a.length > 2 && a[2].equals("kernel")) {
            Class<?> k = Class.forName("dev.tcpip.cli.KernelRoundTrips");
            Method cpus = k.getDeclaredMethod("allowedCpus"); cpus.setAccessible(true);
            Method lo = k.getDeclaredMethod("loopback", int.class, int.class, int.class); lo.setAccessible(true);
            int cpu = (Integer) ((List<?>) cpus.invoke(null)).get(0);
            lo.invoke(null, n / 2, cpu, cpu);
            double[] kr = new double[rounds];
            for (int i = 0; i < rounds; i++) kr[i] = (double) lo.invoke(null, n, cpu, cpu);
            double[] ks = kr.clone(); Arrays.sort(ks);
            System.out.printf(Locale.ROOT, "kernel same-cpu %s median %.0f /s; ratio %.2f%n",
                Arrays.toString(Arrays.stream(kr).mapToLong(Math::round).toArray()), ks[rounds / 2], sorted[rounds / 2] / ks[rounds / 2]);
        }
    }
}
