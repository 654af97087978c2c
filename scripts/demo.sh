#!/usr/bin/env bash
# `make demo`: a router on this machine (three network namespaces, see docs/lab.md), the agent
# bundle under qjs following the router's dnsmasq log live, a varied set of DNS queries and a few
# connections from the LAN, then a summary of what the agent saw. Needs root and `make setup`.
# Leaves out/demo/: events.ndjson (the agent's output), dnsmasq.log (what it read), agent.log,
# netledger.uci (its config). Always tears the lab down, also on failure or Ctrl-C.
# With Mosquitto installed, the agent also ships over MQTT to a broker in the `up` namespace
# (198.51.100.53:1883) and a subscriber records what arrives: out/demo/mqtt-received.txt (topic and
# hex payload per message), out/demo/mqtt-decoded.ndjson (`netledger decode --hex --dedupe` of it).
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
BROKER=198.51.100.53
BROKER_PORT=1883
SUB_PID=
MQTT=0

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

# Mosquitto in the `up` namespace ("the internet"), and a subscriber to everything the agent sends.
broker_start() {
  if [ "$MODE" != live ] || ! command -v mosquitto >/dev/null || ! command -v mosquitto_sub >/dev/null; then
    say "no MQTT stage (needs the live agent and the mosquitto, mosquitto-clients packages)"
    return 0
  fi
  say "starting Mosquitto in ${P}up on $BROKER:$BROKER_PORT and a subscriber to netledger/v1/#"
  mkdir -p "$WORK/mqtt"
  # `user root`: the broker may then write its log next to the lab's (a private directory).
  cat >"$WORK/mqtt/mosquitto.conf" <<CONF
user root
persistence false
log_dest file $WORK/mqtt/mosquitto.log
allow_anonymous true
listener $BROKER_PORT $BROKER
CONF
  bash "$LAB" spawn "$P" up mosquitto mosquitto -c "$WORK/mqtt/mosquitto.conf" >/dev/null
  local i
  for ((i = 0; i < 100; i++)); do
    bash "$LAB" exec "$P" up ss -Hlnt "src $BROKER and sport = :$BROKER_PORT" | grep -q . && break
    sleep 0.05
  done
  ((i < 100)) || die "mosquitto did not start: $(cat "$WORK/mosquitto.out" "$WORK/mqtt/mosquitto.log" 2>/dev/null)"
  SUB_PID=$(bash "$LAB" spawn "$P" up subscriber mosquitto_sub -h "$BROKER" -p "$BROKER_PORT" -q 1 -F '%t %x' -t 'netledger/v1/#')
  MQTT=1
}

agent_start() {
  local mqtt=()
  if [ "$MQTT" = 1 ]; then mqtt=(--mqtt "mqtt://$BROKER:$BROKER_PORT"); fi
  bash "$LAB" agent-config "$P" "$OUT/events.ndjson" --flows "${mqtt[@]}" >"$OUT/netledger.uci"
  # Batches close after 2 s (default 5), so several go out during the demo.
  printf "\nconfig batch 'batch'\n\toption max_age '2'\n" >>"$OUT/netledger.uci"
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
  if [ "$MQTT" = 1 ]; then
    sleep 0.3 # the clean stop's last batches and `offline` status reach the subscriber
    kill -TERM "$SUB_PID" 2>/dev/null || true
    for ((i = 0; i < 40; i++)); do kill -0 "$SUB_PID" 2>/dev/null || break; sleep 0.05; done
    SUB_PID=
    cp "$WORK/subscriber.out" "$OUT/mqtt-received.txt"
  fi
}

# What went over MQTT: per stream, batches, events (decoded) and bytes on the wire next to the
# same events as NDJSON; and whether the decoded events are exactly the agent's NDJSON file.
mqtt_summary() {
  [ "$MQTT" = 1 ] || return 0
  say "what the subscriber received over MQTT"
  local rx="$OUT/mqtt-received.txt" dec="$OUT/mqtt-decoded.ndjson"
  # Status payloads are JSON (retained presence); the stream topics carry CBOR batches.
  grep -v '/status ' "$rx" >"$WORK/batches.hex" || true
  "$QJS" "$BUNDLE" decode --hex --dedupe "$WORK/batches.hex" >"$dec" 2>"$WORK/decode.log" || true
  sed 's/^/  /' "$WORK/decode.log"
  awk -v dec="$dec" '
    { n = split($1, t, "/"); s = t[n]; if (s == "status") { st++; next }
      batches[s]++; wire[s] += length($2) / 2; seen[s] = 1 }
    END {
      while ((getline line < dec) > 0) {
        split(line, f, "\""); s = f[4]; ev[s]++; nd[s] += length(line) + 1; seen[s] = 1
      }
      printf "  %-8s %8s %8s %12s %13s %7s\n", "stream", "batches", "events", "wire bytes", "NDJSON bytes", "ratio"
      for (s in seen) {
        printf "  %-8s %8d %8d %12d %13d %6.1fx\n", s, batches[s], ev[s], wire[s], nd[s], (wire[s] ? nd[s] / wire[s] : 0)
        B += batches[s]; E += ev[s]; W += wire[s]; N += nd[s]
      }
      printf "  %-8s %8d %8d %12d %13d %6.1fx\n", "total", B, E, W, N, (W ? N / W : 0)
      printf "  status messages (retained presence, JSON): %d\n", st
    }' "$rx"
  if cmp -s <(sort "$dec") <(sort "$OUT/events.ndjson"); then
    echo "  decoded events = out/demo/events.ndjson, line for line (as sets)"
  else
    echo "  decoded events differ from out/demo/events.ndjson: $(sort "$dec" | comm -3 - <(sort "$OUT/events.ndjson") | wc -l) lines in one only"
  fi
}

summary() {
  say "what the agent saw"
  node --import tsx "$ROOT/scripts/lab/summary.ts" "$OUT/events.ndjson" "$OUT/status.json"
  if [ -s "$OUT/agent.log" ]; then
    printf '\nagent messages (out/demo/agent.log):\n'
    tail -n 5 "$OUT/agent.log" | sed 's/^/  /'
  fi
  mqtt_summary
  printf '\nevents: out/demo/events.ndjson   router log: out/demo/dnsmasq.log'
  if [ "$MQTT" = 1 ]; then printf '   over MQTT: out/demo/mqtt-received.txt, mqtt-decoded.ndjson'; fi
  printf '\n'
}

preflight
lab_up
broker_start
agent_start
traffic
agent_stop
summary
