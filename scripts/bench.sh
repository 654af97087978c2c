#!/usr/bin/env bash
# `make bench`: performance figures for issues 2 (DNS), 3 (conntrack + join) and 4 (transport),
# printed as figure vs target; raw figures in out/bench/results.json. Deterministic inputs
# (fixed seeds). Wall-clock figures run one at a time; callgrind runs go two at a time.
# Sizes can be lowered for a quick look: DNS_LINES, DNS_CG_LINES, CT_LINES, CT_CG_LINES.
set -euo pipefail
cd "$(dirname "$0")/.."
export DNS_LINES=${DNS_LINES:-1000000} DNS_CG_LINES=${DNS_CG_LINES:-100000}
export CT_LINES=${CT_LINES:-200000} CT_CG_LINES=${CT_CG_LINES:-20000}
B=out/bench
mkdir -p "$B/cg"
rm -f "$B"/*.json "$B"/dns-stages.txt
[ -x .tools/bin/qjs ] && [ -f dist/netledger.js ] || { echo "bench: run 'make build' first" >&2; exit 1; }
for t in valgrind callgrind_annotate mosquitto mosquitto_sub; do
  command -v "$t" >/dev/null || { echo "bench: $t is missing" >&2; exit 1; }
done
start=$(date +%s)
echo "bench: generating inputs (seed 1)"
node scripts/bench/gen-dnsmasq.mjs --lines "$DNS_LINES" --seed 1 --out "$B/dns-1m.log"
head -n "$DNS_CG_LINES" "$B/dns-1m.log" > "$B/dns-cg.log"
head -n 10 "$B/dns-1m.log" > "$B/dns-10.log"
node scripts/bench/gen-conntrack.mjs --lines "$CT_LINES" --concurrent 20000 --seed 1 > "$B/ct-200k.txt" 2>/dev/null
head -n "$CT_CG_LINES" "$B/ct-200k.txt" > "$B/ct-cg.txt"
: > "$B/empty.txt"
node scripts/bench/bench-join-dns.mjs --answers 50000 --seed 1 > "$B/join.log"

echo "bench: wall clock and peak RSS (one at a time)"
node scripts/bench/bench-dns.mjs time
node scripts/bench/bench-conntrack.mjs time
node scripts/bench/bench-transport.mjs time
# the same peak RSS runs under qjs on glibc and on musl (the router's libc), 3 runs each
node scripts/bench/musl-rss.mjs --runs 3

echo "bench: instruction counts (callgrind, two lanes)"
node scripts/bench/bench-dns.mjs instr > "$B/lane-a.txt" 2>&1 &
a=$!
( node scripts/bench/bench-conntrack.mjs instr && node scripts/bench/bench-transport.mjs instr \
  && node scripts/bench/dns-measure.mjs --lines 10000 > "$B/dns-stages.txt" ) > "$B/lane-b.txt" 2>&1 &
b=$!
fail=0
wait "$a" || { fail=1; echo "bench: dns instr lane failed:"; tail -20 "$B/lane-a.txt"; }
wait "$b" || { fail=1; echo "bench: ct/transport instr lane failed:"; tail -20 "$B/lane-b.txt"; }
cat "$B/lane-a.txt" "$B/lane-b.txt"
node scripts/bench/bench-report.mjs
echo "bench: $(( $(date +%s) - start )) s"
exit $fail
