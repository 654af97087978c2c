#!/usr/bin/env bash
# `make demo`: a router on this machine (three network namespaces, see docs/lab.md), the agent
# bundle under qjs following the router's dnsmasq log live, a varied set of DNS queries and a few
# connections from the LAN, then a summary of what the agent saw. Needs root and `make setup`.
# Leaves out/demo/: events.ndjson (the agent's output), dnsmasq.log (what it read), agent.log,
# netledger.uci (its config). Always tears the lab down, also on failure or Ctrl-C.
#
# Stages are functions: later features (conntrack flows, an MQTT broker in the `up` namespace)
# add a stage and an option to `lab.sh agent-config`, nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PATH="$ROOT/.tools/bin:$PATH"
# The lab's dnsmasq logs in UTC (scripts/lab/lab.sh); the agent reads its times the same way.
export TZ=UTC
LAB="$ROOT/scripts/lab/lab.sh"
OUT="$ROOT/out/demo"
QJS="$ROOT/.tools/bin/qjs"
BUNDLE="${NETLEDGER_BUNDLE:-$ROOT/dist/netledger.js}"
P="demo$(printf '%04d' $(($$ % 10000)))"
WORK=
AGENT_PID=
CT_PID=
MODE=live

say() { printf '\n== %s\n' "$*"; }
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$AGENT_PID" ] && kill -0 "$AGENT_PID" 2>/dev/null; then kill -TERM "$AGENT_PID" 2>/dev/null || true; fi
  if [ -n "$WORK" ]; then
    LAB_QUIET=1 bash "$LAB" down "$P" || true
    rm -rf "$WORK"
  fi
  if [ $rc -ne 0 ]; then printf "demo: failed (exit %s)%s\n" "$rc" "${WORK:+; the lab was taken down}" >&2; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

preflight() {
  [ "$(id -u)" -eq 0 ] || die "the demo builds network namespaces: run it as root"
  ip netns list >/dev/null 2>&1 || die "'ip netns' does not work here"
  local t
  for t in dnsmasq dig nft nc conntrack node; do
    command -v "$t" >/dev/null || die "'$t' is missing: run 'make setup'"
  done
  [ -x "$QJS" ] || die "$QJS is missing: run 'make setup'"
  [ -f "$BUNDLE" ] || die "$BUNDLE is missing: run 'make build'"
  if ! "$QJS" "$BUNDLE" --help 2>/dev/null | grep -q '^  run '; then
    "$QJS" "$BUNDLE" --help 2>/dev/null | grep -q '^  replay ' ||
      die "the bundle has neither 'run' nor 'replay' yet"
    MODE=replay
  fi
}

lab_up() {
  say "building the lab: namespaces ${P}cli, ${P}rtr, ${P}up"
  WORK=$(mktemp -d /tmp/netledger-demo.XXXXXX)
  bash "$LAB" up "$P" "$WORK"
  rm -rf "$OUT"
  mkdir -p "$OUT"
}

agent_start() {
  bash "$LAB" agent-config "$P" "$OUT/events.ndjson" --flows >"$OUT/netledger.uci"
  if "$QJS" "$BUNDLE" --help 2>/dev/null | grep -q '^  check-config '; then
    "$QJS" "$BUNDLE" check-config "$OUT/netledger.uci" >/dev/null || die "the generated config does not validate"
  fi
  if [ "$MODE" = replay ]; then
    say "the bundle has no 'run' yet: the router's logs will be replayed afterwards"
    # What the live agent would read itself: conntrack's event stream in the router.
    CT_PID=$(bash "$LAB" spawn "$P" rtr conntrack conntrack -E -o timestamp,extended,id)
    sleep 0.3
    return 0
  fi
  say "starting the agent under qjs in the router namespace"
  AGENT_PID=$(bash "$LAB" spawn "$P" rtr agent "$QJS" "$BUNDLE" run --config "$OUT/netledger.uci")
  # Ready once it keeps a status file; it reads the log from its end, so wait before the traffic.
  local i
  for ((i = 0; i < 50; i++)); do
    [ -f "$WORK/state/status.json" ] && break
    kill -0 "$AGENT_PID" 2>/dev/null || { cat "$WORK/agent.out" >&2; die "the agent exited at start"; }
    sleep 0.1
  done
  sleep 0.5
  echo "agent pid $AGENT_PID"
}

traffic() {
  say "LAN traffic: DNS queries, then connections to the far side"
  # The demo shows what happened; a step that went unexpectedly is reported, not fatal.
  node --import tsx "$ROOT/scripts/lab/traffic.ts" "$P" dns flows || true
}

agent_stop() {
  if [ "$MODE" = live ]; then
    # The never-answered query becomes an event after the config's transaction_timeout (3 s).
    say "waiting for open transactions to time out, then stopping the agent"
    sleep 4
    kill -TERM "$AGENT_PID"
    local i
    for ((i = 0; i < 100; i++)); do kill -0 "$AGENT_PID" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$AGENT_PID" 2>/dev/null; then echo "demo: the agent ignored SIGTERM for 10 s; killing it" >&2; kill -KILL "$AGENT_PID"; fi
    AGENT_PID=
    cp "$WORK/agent.out" "$OUT/agent.log"
  else
    say "replaying the router's logs through the agent"
    sleep 1 # the last DESTROY events
    kill -TERM "$CT_PID" 2>/dev/null || true
    cp "$WORK/conntrack.out" "$OUT/conntrack-events.txt"
    "$QJS" "$BUNDLE" replay --dnsmasq "$WORK/dnsmasq.log" --conntrack "$OUT/conntrack-events.txt" \
      --leases "$WORK/dhcp.leases" --sensor lab >"$OUT/events.ndjson" 2>"$OUT/agent.log"
  fi
  cp "$WORK/dnsmasq.log" "$OUT/dnsmasq.log"
  if [ -f "$WORK/state/status.json" ]; then cp "$WORK/state/status.json" "$OUT/status.json"; fi
}

summary() {
  say "what the agent saw"
  node --import tsx "$ROOT/scripts/lab/summary.ts" "$OUT/events.ndjson" "$OUT/status.json"
  if [ -s "$OUT/agent.log" ]; then
    printf '\nagent messages (out/demo/agent.log):\n'
    tail -n 5 "$OUT/agent.log" | sed 's/^/  /'
  fi
  printf '\nevents: out/demo/events.ndjson   router log: out/demo/dnsmasq.log\n'
}

preflight
lab_up
agent_start
traffic
agent_stop
summary
