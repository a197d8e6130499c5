#!/usr/bin/env bash
# Bulk through `tcpip gateway` and the CPU it costs (root): namespaces gwb-host and gwb-guest, `iperf3 -s` on
# gwb-host's 127.0.0.1, the gateway from JAR serving tap0 in gwb-guest at MTU, two 2 s warm-up runs, then ROUNDS
# runs of `iperf3 -c 10.0.2.2 -t 3 [-R]` from the guest. For each run prints the rate and the gateway JVM's CPU
# time (utime + stime from /proc) per GB moved: a figure that a loaded machine disturbs much less than the rate.
# DIR is up (guest->host) or down (host->guest, iperf3 -R). Extra arguments go to the gateway's java.
#   sudo scripts/gateway-bulk-cpu.sh tcpip-cli/target/tcpip.jar 65520 down 3 [java options...]
set -euo pipefail
[ $# -ge 4 ] || { echo "usage: $0 JAR MTU up|down ROUNDS [java options...]" >&2; exit 2; }
JAR=$(readlink -f "$1"); MTU=$2; DIR=$3; ROUNDS=$4; shift 4
case "$DIR" in up) R=();; down) R=(-R);; *) echo "DIR: up or down" >&2; exit 2;; esac
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
. "$root/scripts/find-jdk.sh"
tcpip_find_jdk || exit 1
H=gwb-host; G=gwb-guest; D=$(mktemp -d)
cleanup() {
  [ -n "${GW:-}" ] && kill "$GW" 2>/dev/null && wait "$GW" 2>/dev/null
  [ -n "${SRV:-}" ] && kill "$SRV" 2>/dev/null
  ip netns del $H 2>/dev/null; ip netns del $G 2>/dev/null; rm -rf "$D"
}
trap cleanup EXIT
ip netns add $H; ip netns add $G
ip -n $H link set lo up; ip -n $G link set lo up
ip netns exec $H iperf3 -s -B 127.0.0.1 >/dev/null 2>&1 & SRV=$!
mkfifo "$D/out"
ip netns exec $H "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xms32m "$@" -jar "$JAR" gateway \
    --tap tap0 --netns $G --configure --mtu "$MTU" >"$D/out" 2>"$D/err" & GW=$!
exec 3<"$D/out"
read -r -t 60 _ <&3 || { echo "the gateway printed no ready line:" >&2; cat "$D/err" >&2; exit 1; }
cat <&3 >/dev/null &
JVM=$(pgrep -P "$GW" java || echo "$GW")
cpu() { awk '{ print $14 + $15 }' "/proc/$JVM/stat"; }
for _ in 1 2; do ip netns exec $G iperf3 -c 10.0.2.2 -t 2 "${R[@]}" >/dev/null; done
tick=$(getconf CLK_TCK)
for i in $(seq "$ROUNDS"); do
  c0=$(cpu)
  ip netns exec $G iperf3 -c 10.0.2.2 -t 3 "${R[@]}" -J >"$D/r.json"
  c1=$(cpu)
  python3 - "$D/r.json" "$c0" "$c1" "$tick" "$MTU" "$DIR" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["end"]["sum_received"]
cpu = (float(sys.argv[3]) - float(sys.argv[2])) / float(sys.argv[4])
print(f"mtu {sys.argv[5]} {sys.argv[6]}: {r['bits_per_second'] / 1e9:.2f} Gbit/s, "
      f"gateway CPU {cpu / (r['bytes'] / 1e9):.2f} s/GB")
PY
done
