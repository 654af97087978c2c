#!/usr/bin/env bash
# Measures, in the router lab, what the DNS-to-flow join window must cover (docs/join.md):
#  A. no client cache: every connection resolves first  → delay from answer to connection
#  B. a caching stub on the client (dnsmasq, --max-cache-ttl=$TTL, like an OS cache honouring
#     the TTL): connections reuse the cached answer → age of the answer at each connection
# Prints the conntrack capture's path; analyse with scripts/bench/join-lab-analyse.ts.
# usage (root): scripts/bench/join-lab.sh [PREFIX] [TTL] [SECONDS]
set -euo pipefail
P=${1:-jnl}; TTL=${2:-30}; SECS=${3:-75}
here=$(cd "$(dirname "$0")/../.." && pwd)
lab="$here/scripts/lab/lab.sh"
work=$(mktemp -d "/tmp/$P-join.XXXXXX")
netns_etc="/etc/netns/${P}cli"
cleanup() { bash "$lab" down "$P" >/dev/null 2>&1 || true; rm -rf "$netns_etc"; }
trap cleanup EXIT
bash "$lab" up "$P" "$work/lab" >/dev/null
bash "$lab" spawn "$P" rtr ct conntrack -E -o timestamp,extended,id >/dev/null
sleep 0.5
mkdir -p "$netns_etc"
echo "nameserver 192.0.2.1" > "$netns_etc/resolv.conf"
# A: resolve + connect, 10 times
for i in $(seq 10); do
  bash "$lab" exec "$P" cli curl -s -m 1 -o /dev/null http://www.shop.test/ || true
  sleep 1
done
echo "phase-b $(date +%s.%N)" > "$work/marks"
# B: a TTL-honouring cache on the client, connections every 3 s
bash "$lab" spawn "$P" cli stub dnsmasq -k --conf-file=/dev/null --no-resolv --no-hosts \
  --server=192.0.2.1 --listen-address=127.0.0.1 --bind-interfaces --max-cache-ttl="$TTL" \
  --cache-size=100 --user=root >/dev/null
sleep 0.5
echo "nameserver 127.0.0.1" > "$netns_etc/resolv.conf"
end=$(( $(date +%s) + SECS ))
while [ "$(date +%s)" -lt "$end" ]; do
  bash "$lab" exec "$P" cli curl -s -m 1 -o /dev/null http://www.shop.test/ || true
  sleep 3
done
sleep 1
cp "$work/lab/ct.out" "$work/conntrack-events.txt"
echo "$work"
