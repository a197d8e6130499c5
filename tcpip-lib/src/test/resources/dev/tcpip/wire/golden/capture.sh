#!/usr/bin/env bash
# Captures the golden pcaps in this folder from real Linux kernel traffic between two network
# namespaces made here (veth pair, addresses 10.99.0.0/24 and fd99::/64 inside them only), then
# removes the namespaces. Run as root, once; the tests only read the stored files.
# Needs: iproute2, tcpdump, ethtool, iputils-ping, python3.
set -euo pipefail
out=$(cd "$(dirname "$0")" && pwd)
A=gold-a; B=gold-b
cleanup() { ip netns del $A 2>/dev/null || true; ip netns del $B 2>/dev/null || true; }
trap cleanup EXIT
cleanup
ip netns add $A; ip netns add $B
ip link add veth-ga netns $A type veth peer name veth-gb netns $B
for ns in $A $B; do ip -n $ns link set lo up; done
ip -n $A link set veth-ga address 02:00:00:99:00:01
ip -n $B link set veth-gb address 02:00:00:99:00:02
# Checksums are computed in software so the capture holds the bytes a NIC would send.
ip netns exec $A ethtool -K veth-ga tx off rx off >/dev/null
ip netns exec $B ethtool -K veth-gb tx off rx off >/dev/null
ip -n $A addr add 10.99.0.1/24 dev veth-ga; ip -n $B addr add 10.99.0.2/24 dev veth-gb
ip -n $A addr add fd99::1/64 dev veth-ga nodad; ip -n $B addr add fd99::2/64 dev veth-gb nodad
ip -n $B link set veth-gb up

cap() { # name filter... : starts tcpdump in B, writes $out/name.pcap
  ip netns exec $B tcpdump -q -U -i veth-gb -s 2048 -w "$out/$1.pcap" "${@:2}" 2>/dev/null &
  CAP=$!; sleep 1
}
stop() { sleep 1; kill -INT $CAP; wait $CAP || true; }

# IPv6 first: bringing veth-ga up sends router solicitations and MLD reports; ping6 does NDP.
cap ipv6-ndp icmp6
ip -n $A link set veth-ga up
sleep 5
ip netns exec $A ping -6 -c 2 -i 0.2 fd99::2 >/dev/null
stop

cap arp-ping arp or icmp
ip netns exec $A ping -c 2 -i 0.2 10.99.0.2 >/dev/null
stop

cap ping-fragments icmp
ip netns exec $A ping -c 1 -s 4000 10.99.0.2 >/dev/null
stop

cap tcp-handshake tcp port 5001
ip netns exec $B python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.99.0.2", 5001)); s.listen(1); s.settimeout(10)
c, _ = s.accept(); c.sendall(c.recv(100)); c.close()' &
SRV=$!; sleep 0.5
ip netns exec $A python3 -c '
import socket
c = socket.create_connection(("10.99.0.2", 5001), timeout=10); c.sendall(b"hello\n"); c.recv(100); c.close()'
wait $SRV
stop

cap udp udp port 5002
ip netns exec $A python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("10.99.0.1", 40002))
s.sendto(b"golden udp\n", ("10.99.0.2", 5002))'
stop
ls -l "$out"/*.pcap
