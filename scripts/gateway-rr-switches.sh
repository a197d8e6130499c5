#!/usr/bin/env bash
# Thread hand-offs per 1-byte request/response through `tcpip gateway` (root): namespaces rtt-host and rtt-guest,
# a Python echo on rtt-host's 127.0.0.1:7007, the gateway from JAR serving tap0 in rtt-guest, and a Python client
# in rtt-guest doing N exchanges with 10.0.2.2:7007 (Nagle off) while `perf stat --per-thread -e context-switches`
# counts the gateway JVM's threads. Prints the rate and the switches per exchange by thread group: each switch is
# a thread that blocked and was woken again, a hand-off. Extra arguments go to the gateway's java (e.g.
# -Dtcpip.loop.inline=false -Dtcpip.tap.inline=0 for the hand-offs before BENCHMARKS.md "Fewer hand-offs").
#   sudo scripts/gateway-rr-switches.sh tcpip-cli/target/tcpip.jar 20000 [java options...]
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 JAR N [java options...]" >&2; exit 2; }
JAR=$(readlink -f "$1"); N=$2; shift 2
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
. "$root/scripts/find-jdk.sh"
tcpip_find_jdk || exit 1
H=rtt-host; G=rtt-guest; D=$(mktemp -d)
cleanup() {
  [ -n "${GW:-}" ] && kill "$GW" 2>/dev/null && wait "$GW" 2>/dev/null
  [ -n "${ECHO:-}" ] && kill "$ECHO" 2>/dev/null
  ip netns del $H 2>/dev/null; ip netns del $G 2>/dev/null; rm -rf "$D"
}
trap cleanup EXIT
cat > "$D/echo.py" <<'PY'
import socket, threading
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 7007)); srv.listen(64)
def serve(c):
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    while (d := c.recv(65536)):
        c.sendall(d)
    c.close()
while True:
    c, _ = srv.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
cat > "$D/rr.py" <<'PY'
import socket, sys, time
n = int(sys.argv[1])
s = socket.create_connection(("10.0.2.2", 7007), timeout=10)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
for i in range(200):
    s.sendall(b"x"); s.recv(1)
print("go", flush=True)
sys.stdin.readline()
t0 = time.perf_counter()
for i in range(n):
    s.sendall(b"x")
    if not s.recv(1): raise SystemExit("the echo closed")
print(f"rate {n / (time.perf_counter() - t0):.0f}/s", flush=True)
PY
ip netns add $H; ip netns add $G
ip -n $H link set lo up; ip -n $G link set lo up
ip netns exec $H python3 "$D/echo.py" & ECHO=$!
mkfifo "$D/out" "$D/in"
ip netns exec $H "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xms32m "$@" -jar "$JAR" gateway \
    --tap tap0 --netns $G --configure --mtu 1500 >"$D/out" 2>"$D/err" & GW=$!
exec 3<"$D/out"
read -r -t 60 _ <&3 || { echo "the gateway printed no ready line:" >&2; cat "$D/err" >&2; exit 1; }
cat <&3 >/dev/null &
ip netns exec $G python3 "$D/rr.py" "$N" <"$D/in" >"$D/rr" & CLIENT=$!
exec 4>"$D/in"
for _ in $(seq 100); do grep -q go "$D/rr" && break; sleep 0.1; done   # the client's warm-up; bounded
JVM=$(pgrep -P "$GW" java || echo "$GW")
perf stat --per-thread -e context-switches -p "$JVM" -o "$D/perf" & PERF=$!
sleep 0.3                                                               # perf attaching; idle time adds nothing
echo >&4
wait $CLIENT
kill -INT $PERF; wait $PERF || true
awk -v n="$N" -v rate="$(grep rate "$D/rr")" '
/context-switches/ { v = ($2 ~ /^[0-9]+$/) ? $2 : 0
  if ($1 ~ /tcpip-loop/) lp += v; else if ($1 ~ /ForkJoin/) fj += v; else if ($1 ~ /-tx-/) tx += v
  else if ($1 ~ /tcpip-tap0/) rd += v; else if ($1 ~ /MasterPoller/) po += v; else if ($1 ~ /relay-selecto/) se += v
  else ot += v }
END { printf "%s; switches per exchange: loop %.2f, carriers %.2f, TAP writer %.2f, TAP reader %.2f, " \
      "JDK poller %.2f, relay selector %.2f, other %.2f, total %.2f\n", rate, lp/n, fj/n, tx/n, rd/n, po/n, se/n, ot/n, \
      (lp+fj+tx+rd+po+se+ot)/n }' "$D/perf"
