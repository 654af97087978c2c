#!/usr/bin/env bash
# Records a fresh real capture from the lab into DIR (default test/fixtures/lab-live):
# the router dnsmasq's extra-mode log, the upstream's log, conntrack events and a snapshot.
#   bash scripts/lab/capture.sh [DIR]      (as root)
# The lab's temporary work-directory path in the logs is rewritten to /tmp/netledger-lab so
# that captures are byte-stable apart from times, pids, ports chosen by the kernel and ids.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=$(realpath -m "${1:-test/fixtures/lab-live}")
LAB=scripts/lab/lab.sh
P="cap$(printf '%05d' $(($$ % 100000)))"
WORK=$(mktemp -d /tmp/netledger-capture.XXXXXX)
CT_PID=

cleanup() {
  if [ -n "$CT_PID" ]; then kill "$CT_PID" 2>/dev/null || true; fi
  LAB_QUIET=1 bash "$LAB" down "$P" || true
  rm -rf "$WORK"
}
trap cleanup EXIT

bash "$LAB" up "$P" "$WORK"
ip netns exec "${P}rtr" conntrack -E -o timestamp,extended,id >"$WORK/conntrack-events.txt" 2>"$WORK/conntrack.err" &
CT_PID=$!
sleep 0.3
node --import tsx scripts/lab/traffic.ts "$P" dns flows
sleep 1 # the last replies and DESTROYs
ip netns exec "${P}rtr" conntrack -L -o extended,id >"$WORK/conntrack-list.txt" 2>/dev/null || true
kill "$CT_PID"
wait "$CT_PID" 2>/dev/null || true
CT_PID=
# Stop dnsmasq now so its "exiting" line is part of the log, as on a real router restart.
kill "$(cat "$WORK/dnsmasq.pid")"
sleep 0.2

mkdir -p "$OUT"
keep() { sed "s#$WORK#/tmp/netledger-lab#g" "$WORK/$1" >"$OUT/$2"; }
keep dnsmasq.log dnsmasq-extra.log
keep upstream.log upstream-extra.log
keep conntrack-events.txt conntrack-events.txt
keep conntrack-list.txt conntrack-list.txt
echo "capture: wrote $(ls "$OUT" | tr '\n' ' ')to $OUT" >&2
