#!/usr/bin/env python3
"""Where the time goes, from a JFR recording: folded stacks, a share of samples per area, and an SVG flame graph.

    scripts/jfr-flame.py REC.jfr OUT          # writes OUT.folded, OUT.svg; prints the area table and top frames
    scripts/jfr-flame.py REC.jfr OUT --threads tcpip-   # only threads whose name starts so
    scripts/jfr-flame.py REC.jfr OUT --until DirectTcpBench.idleHeap   # only samples before the first one with
                                                                        # that frame (a run's later phase left out)

Reads `jfr print --events jdk.ExecutionSample --stack-depth 64` (the JDK's own tool; JAVA_HOME/bin/jfr or jfr on
PATH) and `jdk.GarbageCollection` for the collector's pauses. Each sample goes to the area of the first frame, leaf
upwards, that an area claims (AREAS below; helpers in TRANSPARENT are skipped); one claimed by none is "other".
Python's standard library only; the SVG is drawn here (no flame-graph tool needed).
"""
import html
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict

# Area, then the frame prefixes (Class.method, package-qualified) that claim a sample for it.
AREAS = [
    ("checksum", ["dev.tcpip.wire.Checksum."]),
    ("copies and buffer allocation", ["dev.tcpip.direct.tcp.ChunkQueue.copyOut", "dev.tcpip.direct.tcp.ChunkQueue.append",
                "dev.tcpip.direct.tcp.ChunkQueue.copySmall", "java.nio.Bits.setMemory", "java.nio.ByteBuffer.wrap",
                "java.nio.ByteBuffer.allocate", "java.lang.System.arraycopy", "jdk.internal.misc.Unsafe.copyMemory", "java.util.Arrays.copyOf",
                "jdk.internal.misc.ScopedMemoryAccess.copyMemory", "java.nio.HeapByteBuffer.put",
                "java.nio.HeapByteBuffer.get", "java.nio.DirectByteBuffer.put", "java.nio.DirectByteBuffer.get",
                "java.nio.ByteBuffer.put", "java.nio.ByteBuffer.get", "java.lang.foreign.MemorySegment.copy",
                "jdk.internal.foreign.AbstractMemorySegmentImpl.copy", "java.util.Arrays.fill"]),
    ("wake-ups/parking", ["java.util.concurrent.locks.LockSupport.", "jdk.internal.misc.Unsafe.park",
                          "jdk.internal.misc.Unsafe.unpark", "java.lang.VirtualThread.", "java.lang.Thread.onSpinWait",
                          "java.util.concurrent.ForkJoinPool.", "jdk.internal.vm.Continuation.",
                          "java.util.concurrent.locks.AbstractQueuedSynchronizer."]),
    ("kernel sockets (java.nio)", ["sun.nio.ch.", "java.nio.channels."]),
    ("TCP logic", ["dev.tcpip.direct.tcp."]),
    ("parsing and building headers", ["dev.tcpip.wire."]),
    ("links, IP, loop (direct stack)", ["dev.tcpip.direct.", "dev.tcpip.device.", "dev.tcpip.time."]),
    ("bench harness", ["dev.tcpip.cli."]),
]


def jfr_tool():
    home = os.environ.get("JAVA_HOME")
    if home and os.path.exists(os.path.join(home, "bin", "jfr")):
        return os.path.join(home, "bin", "jfr")
    return "jfr"


def frame_name(line):
    line = re.sub(r"\s+line: \d+.*$", "", line.strip())
    return re.sub(r"\(.*\)$", "", line)


def samples(rec, thread_prefix):
    out = subprocess.run([jfr_tool(), "print", "--events", "jdk.ExecutionSample", "--stack-depth", "64", rec],
                         capture_output=True, text=True, check=True).stdout
    thread, frames, in_stack, at = None, [], False, 0.0
    for line in out.splitlines():
        s = line.strip()
        if s.startswith("startTime = "):
            at = seconds_of_day(s[len("startTime = "):])
        elif s.startswith("sampledThread = "):
            m = re.match(r'sampledThread = "(.*)" \(', s)
            thread = m.group(1) if m else s
        elif s.startswith("stackTrace = ["):
            frames, in_stack = [], True
        elif in_stack and s == "]":
            in_stack = False
            if thread_prefix is None or (thread or "").startswith(thread_prefix):
                yield at, thread, frames                   # leaf first
        elif in_stack and s and s != "...":
            frames.append(frame_name(s))


# Helpers that a caller's area owns: skipped when looking for the claiming frame.
TRANSPARENT = ["java.lang.invoke.", "dev.tcpip.wire.Bytes."]


# A sample with any of these frames belongs to that system whatever its leaf (bench direct-tcp runs both stacks).
SYSTEMS = [("socket stack (all of it)", "dev.tcpip.socket.")]


def area_of(frames):
    for system, prefix in SYSTEMS:
        if any(f.startswith(prefix) for f in frames):
            return system
    for f in frames:
        if any(f.startswith(p) for p in TRANSPARENT):
            continue
        for area, prefixes in AREAS:
            if any(f.startswith(p) for p in prefixes):
                return area
    return "other"


def seconds_of_day(text):
    m = re.match(r"(\d+):(\d+):([\d.]+)", text)
    return int(m.group(1)) * 3600 + int(m.group(2)) * 60 + float(m.group(3)) if m else 0.0


def gc_pauses(rec, start, end):
    """Seconds of collector pauses (jdk.GarbageCollection sumOfPauses) that began in [start, end)."""
    ev = subprocess.run([jfr_tool(), "print", "--events", "jdk.GarbageCollection", rec],
                        capture_output=True, text=True, check=True).stdout
    pauses, at = 0.0, 0.0
    for line in ev.splitlines():
        s = line.strip()
        if s.startswith("startTime = "):
            at = seconds_of_day(s[len("startTime = "):])
        m = re.match(r"sumOfPauses = ([\d.]+) (ms|s|us)", s)
        if m and start <= at < end:
            v = float(m.group(1))
            pauses += v / 1000 if m.group(2) == "ms" else v / 1e6 if m.group(2) == "us" else v
    return pauses


def flame_svg(folded, title, path, width=1600, row=16):
    root = {"n": 0, "kids": {}}
    for stack, count in folded.items():
        node = root
        node["n"] += count
        for f in stack.split(";"):
            node = node["kids"].setdefault(f, {"n": 0, "kids": {}})
            node["n"] += count
    depth = [0]

    def measure(node, d):
        depth[0] = max(depth[0], d)
        for k in node["kids"].values():
            measure(k, d + 1)
    measure(root, 0)
    height = (depth[0] + 3) * row
    colours = {a: c for (a, _), c in zip(AREAS + SYSTEMS, ["#e8553f", "#f0a030", "#4f8fd8", "#9a6fd0", "#e0d040",
                                                   "#60b060", "#c0c0c0", "#8fd0d0", "#d0a0c0"])}
    rects = []
    total = root["n"] or 1

    def draw(node, name, x, d):
        w = node["n"] / total * width
        if w < 0.5:
            return
        y = height - (d + 2) * row
        colour = "#dddddd" if d == 0 else colours.get(area_of([name]), "#b0b0b0")
        label = html.escape(name.rsplit(".", 2)[-2] + "." + name.rsplit(".", 1)[-1] if name.count(".") >= 2 else name)
        tip = html.escape(f"{name} ({node['n']} samples, {100.0 * node['n'] / total:.1f} %)")
        text = label if w > 7 * len(label) else (label[: int(w / 7) - 1] + "…" if w > 21 else "")
        rects.append(f'<g><title>{tip}</title><rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{row - 1}" '
                     f'fill="{colour}"/><text x="{x + 2:.1f}" y="{y + row - 4}">{html.escape(text)}</text></g>')
        cx = x
        for kname, kid in sorted(node["kids"].items()):
            draw(kid, kname, cx, d + 1)
            cx += kid["n"] / total * width
    draw(root, "all", 0.0, 0)
    legend = " · ".join(f'<tspan fill="{colours[a]}">■</tspan> {html.escape(a)}' for a, _ in AREAS + SYSTEMS)
    with open(path, "w") as f:
        f.write(f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + row}" '
                f'font-family="monospace" font-size="11">\n<text x="4" y="14" font-size="13">{html.escape(title)}'
                f'</text>\n<text x="4" y="{2 * row + 2}">{legend} · other grey</text>\n' + "\n".join(rects) + "\n</svg>\n")


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    rec, out = sys.argv[1], sys.argv[2]
    prefix = sys.argv[sys.argv.index("--threads") + 1] if "--threads" in sys.argv else None
    until = sys.argv[sys.argv.index("--until") + 1] if "--until" in sys.argv else None
    all_samples = list(samples(rec, prefix))
    cut = min((at for at, _, frames in all_samples if until and any(until in f for f in frames)), default=None)
    folded, areas, tops, threads = Counter(), Counter(), Counter(), Counter()
    for at, thread, frames in all_samples:
        if not frames or (cut is not None and at >= cut):
            continue
        folded[";".join(reversed(frames))] += 1
        areas[area_of(frames)] += 1
        tops[frames[0]] += 1
        threads[re.sub(r"\d+", "N", thread or "?")] += 1
    n = sum(areas.values())
    with open(out + ".folded", "w") as f:
        for stack, count in sorted(folded.items()):
            f.write(f"{stack} {count}\n")
    flame_svg(folded, f"{os.path.basename(rec)}: {n} JFR execution samples", out + ".svg")
    print(f"{n} samples ({rec})")
    print("| area | share of samples |\n|---|---|")
    for area, c in areas.most_common():
        print(f"| {area} | {100.0 * c / n:.1f} % |")
    start = min(at for at, _, _ in all_samples)
    end = cut if cut is not None else max(at for at, _, _ in all_samples)
    pauses = gc_pauses(rec, start, end)
    print(f"GC pauses: {pauses:.2f} s of the {end - start:.0f} s sampled ({100.0 * pauses / (end - start):.1f} % of wall time)")
    print("| top frame (self) | share |\n|---|---|")
    for f, c in tops.most_common(12):
        print(f"| `{f}` | {100.0 * c / n:.1f} % |")
    print("| threads | share |\n|---|---|")
    for t, c in threads.most_common(10):
        print(f"| {t} | {100.0 * c / n:.1f} % |")


if __name__ == "__main__":
    main()
