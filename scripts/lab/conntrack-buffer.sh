#!/usr/bin/env bash
# Does `conntrack -E` lose events (ENOBUFS) without the agent, and how much does its event socket
# really hold? Two measurements in a fresh lab (lab.sh up/down, prefix PREFIX):
#  1. capacity: a `conntrack -E -b BYTES` whose stdout nobody reads; dig traffic until the kernel
#     drops events. The event socket's queue (Rmem in /proc/net/netlink) then sits at its limit,
#     whatever -b asked for (conntrack-tools 1.4.7 applies -b to its other netlink socket).
#  2. no reader to blame: `conntrack -E -b BYTES` writing to a file (never blocks) for SECONDS under
#     the outage test's traffic (digs, a TCP connection a second, connects to a closed port from
#     the router); counts ENOBUFS and the largest burst of events conntrack printed in 100 ms.
# usage: conntrack-buffer.sh PREFIX [SECONDS=120] [BYTES=1048576]
set -euo pipefail
P=${1:?usage: conntrack-buffer.sh PREFIX [SECONDS] [BYTES]}
SECS=${2:-120}
BYTES=${3:-1048576}
LAB="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lab.sh"
W=$(mktemp -d "/tmp/netledger-ctbuf-$P-XXXXXX")
export LAB_QUIET=1
bash "$LAB" up "$P" "$W/lab" >/dev/null
trap 'exec 9>&-; bash "$LAB" down "$P" >/dev/null 2>&1; rm -rf "$W"' EXIT
in_ns() { local n=$1; shift; ip netns exec "$P$n" "$@"; }
dig_q() { in_ns cli dig @192.0.2.1 -b 192.0.2.10 +tries=1 +timeout=1 +nocookie "$1" A >/dev/null || true; }

# 1. capacity of the event socket (NETLINK_NETFILTER = 12, subscribed to groups)
mkfifo "$W/fifo"
exec 9<>"$W/fifo" # keeps the fifo open, never read: conntrack blocks once the pipe is full
pid=$(bash "$LAB" spawn "$P" rtr ctblk sh -c "exec conntrack -E -o timestamp,extended,id -b $BYTES >$W/fifo")
sleep 1
inodes=$(ls -l "/proc/$pid/fd" | sed -n 's/.*socket:\[\([0-9]*\)\]/\1/p' | tr '\n' ' ')
row() { in_ns rtr cat /proc/net/netlink | awk -v ino=" $inodes" '$2 == 12 && $4 != "00000000" && index(ino, " " $NF " ") { print $5, $9 }'; }
n=0
for ((r = 0; r < 40; r++)); do
  for ((i = 0; i < 20; i++)); do n=$((n + 1)); dig_q "cap$n.shop.test" & done
  wait
  read -r rmem drops <<<"$(row)"
  [ "${drops:-0}" -eq 0 ] || break
done
echo "capacity: asked -b $BYTES; the event socket dropped events with ${rmem:-?} bytes queued (after $n digs; drops ${drops:-?})"
kill "$pid" 2>/dev/null || true

# 2. ENOBUFS with a reader that never blocks
bash "$LAB" spawn "$P" rtr ct conntrack -E -o timestamp,extended,id -b "$BYTES" >/dev/null
sleep 1
end=$((SECONDS + SECS))
(q=0; while [ $SECONDS -lt $end ]; do q=$((q + 1)); dig_q "q$q.shop.test"; sleep 0.08; done) &
(while [ $SECONDS -lt $end ]; do in_ns cli sh -c 'echo hi | nc -N -w1 198.51.100.80 80' >/dev/null 2>&1 || true; sleep 1; done) &
(while [ $SECONDS -lt $end ]; do in_ns rtr nc -w1 198.51.100.53 1883 </dev/null >/dev/null 2>&1 || true; sleep 1.5; done) &
wait
sleep 1
out="$W/lab/ct.out"
burst=$(awk -F'[][]' '/^\[/ { c[sprintf("%.0f", int($2 * 10))]++ } END { m = 0; for (k in c) if (c[k] > m) m = c[k]; print m }' "$out")
echo "no agent, $SECS s: $(grep -c '^\[' "$out") events, ENOBUFS $(grep -c ENOBUFS "$out" || true), largest burst $burst events in 100 ms"
