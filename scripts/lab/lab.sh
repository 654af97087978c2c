#!/usr/bin/env bash
# A router lab in three network namespaces (see docs/lab.md):
#   ${P}cli  LAN clients  192.0.2.10, 192.0.2.11, 2001:db8:1::10   (default routes via the router)
#   ${P}rtr  the router   LAN 192.0.2.1 / 2001:db8:1::1, WAN 198.51.100.1 / 2001:db8:2::1,
#                         forwarding, nftables masquerade, conntrack acct+timestamp, dnsmasq
#   ${P}up   "internet"   198.51.100.53 dnsmasq for the test zone shop.test,
#                         198.51.100.54 a server answering SERVFAIL (for sf.test),
#                         198.51.100.80 / 2001:db8:2::80 nc servers on tcp/80, tcp/443, udp/5000
# Router dnsmasq special domains: ads.test blocked (0.0.0.0 / ::), lan local (hosts file has
# router.lan), dead.test -> 203.0.113.1 (never answers), neterr.test -> 203.0.113.99 (unreachable
# route: immediate REFUSED), sf.test -> SERVFAIL server. Upstream: shop.test and nx.test are local
# zones (NXDOMAIN / NODATA), other names are REFUSED.
# Only documentation addresses; nothing routes out of the namespaces (rtr and up have no default
# route; 203.0.113.0/24 is sent to `up`, which does not forward, so it vanishes silently).
#
# usage:
#   lab.sh up PREFIX WORKDIR      build everything; WORKDIR receives logs, pid files, hosts
#   lab.sh down PREFIX            idempotent: kill what the lab started (by pid), delete namespaces
#   lab.sh exec PREFIX NS cmd...  run cmd in namespace NS (cli, rtr or up)
#   lab.sh spawn PREFIX NS NAME cmd...
#                                 start cmd in the background in NS, stdout+stderr to
#                                 WORKDIR/NAME.out; its pid is printed and recorded (down kills it)
#   lab.sh agent-config PREFIX NDJSON [--flows] [--mqtt URL]
#                                 print a netledger UCI config for this lab's router: dnsmasq
#                                 log file, leases, sensor 'lab', NDJSON output to the given file
#   lab.sh status PREFIX          print the namespaces, recorded pids and the work directory
#   lab.sh workdir PREFIX         print the work directory of a running lab
# PREFIX: 1-8 characters [a-z0-9] (interface names are at most 15 characters).
# State (pids, workdir) is kept in $NETLEDGER_LAB_STATE/PREFIX (default /run/netledger-lab).
set -euo pipefail
# dnsmasq logs local time: UTC keeps lab logs and the agent reading them in agreement.
export TZ=UTC

STATE_ROOT="${NETLEDGER_LAB_STATE:-/run/netledger-lab}"
LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

die() { printf 'lab: %s\n' "$*" >&2; exit 1; }
log() { [ -n "${LAB_QUIET:-}" ] || printf 'lab: %s\n' "$*" >&2; }

check_prefix() {
  [[ "${1:-}" =~ ^[a-z0-9]{1,8}$ ]] || die "bad prefix '${1:-}' (want 1-8 of [a-z0-9])"
}

ns() { printf '%s%s' "$P" "$1"; }
in_ns() { local n=$1; shift; ip netns exec "$(ns "$n")" "$@"; }

# Starts a long-running process in a namespace with its stdio on files, records its pid.
spawn_bg() {
  local n=$1 name=$2; shift 2
  ip netns exec "$(ns "$n")" "$@" </dev/null >"$WORKDIR/$name.out" 2>&1 &
  echo "$! $name" >>"$STATE/pids"
}

wait_for() {
  local what=$1 tries=$2; shift 2
  local i
  for ((i = 0; i < tries; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.05
  done
  die "timed out waiting for $what"
}

listening() { # NS proto(t|u) addr port
  local a=$3
  [[ "$a" != *:* ]] || a="[$a]"
  in_ns "$1" ss -H -ln"$2" "src $a and sport = :$4" | grep -q .
}

lab_links() {
  local n
  for n in cli rtr up; do
    ip netns add "$(ns "$n")"
    in_ns "$n" ip link set lo up
  done
  # Created directly inside the namespaces: nothing is ever attached to the host's namespace.
  ip link add "${P}c0" netns "$(ns cli)" type veth peer name "${P}rl" netns "$(ns rtr)"
  ip link add "${P}rw" netns "$(ns rtr)" type veth peer name "${P}u0" netns "$(ns up)"

  in_ns cli ip addr add 192.0.2.10/24 dev "${P}c0"
  in_ns cli ip addr add 192.0.2.11/24 dev "${P}c0"
  in_ns cli ip -6 addr add 2001:db8:1::10/64 dev "${P}c0" nodad
  in_ns cli ip link set "${P}c0" up
  in_ns cli ip route add default via 192.0.2.1
  in_ns cli ip -6 route add default via 2001:db8:1::1

  in_ns rtr ip addr add 192.0.2.1/24 dev "${P}rl"
  in_ns rtr ip -6 addr add 2001:db8:1::1/64 dev "${P}rl" nodad
  in_ns rtr ip addr add 198.51.100.1/24 dev "${P}rw"
  in_ns rtr ip -6 addr add 2001:db8:2::1/64 dev "${P}rw" nodad
  in_ns rtr ip link set "${P}rl" up
  in_ns rtr ip link set "${P}rw" up
  # The "dead" upstream: handed to `up`, which does not forward, so queries get no answer at all.
  in_ns rtr ip route add 203.0.113.0/24 via 198.51.100.53
  # The "unreachable" upstream: sending fails at once (dnsmasq logs REFUSED with an EDE).
  in_ns rtr ip route add unreachable 203.0.113.99/32

  in_ns up ip addr add 198.51.100.53/24 dev "${P}u0"
  in_ns up ip addr add 198.51.100.54/24 dev "${P}u0"
  in_ns up ip addr add 198.51.100.80/24 dev "${P}u0"
  in_ns up ip -6 addr add 2001:db8:2::80/64 dev "${P}u0" nodad
  in_ns up ip link set "${P}u0" up
  # IPv6 is routed, not NATed: the far side needs the way back to the LAN prefix.
  in_ns up ip -6 route add 2001:db8:1::/64 via 2001:db8:2::1
}

lab_router_netfilter() {
  in_ns rtr sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
  # Several lines: a one-line ruleset fails on this nft version. These rules are also what makes
  # conntrack track inside the namespace: NAT for IPv4, the `ct state` rule for IPv6 (as
  # OpenWrt's firewall does).
  in_ns rtr nft -f - <<NFT
table ip nlab {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "${P}rw" ip saddr 192.0.2.0/24 masquerade
  }
}
table inet nlabfw {
  chain forward {
    type filter hook forward priority filter; policy accept;
    ct state invalid drop
  }
}
NFT
  in_ns rtr sysctl -qw net.netfilter.nf_conntrack_acct=1 net.netfilter.nf_conntrack_timestamp=1
}

lab_upstream_dns() {
  # An authority-like server for shop.test: `--local` zones answer NXDOMAIN for unknown names and
  # NODATA for missing types; names outside them are REFUSED (it has no upstream of its own). TTLs are set so the router's cache keeps the answers.
  in_ns up dnsmasq \
    --conf-file=/dev/null --no-resolv --no-hosts \
    --bind-interfaces --listen-address=198.51.100.53 --port=53 \
    --user=root --pid-file="$WORKDIR/upstream.pid" \
    --log-queries=extra --log-facility="$WORKDIR/upstream.log" \
    --local-ttl=300 --auth-ttl=300 --neg-ttl=60 \
    --host-record=www.shop.test,198.51.100.80,2001:db8:2::80 \
    --host-record=shop.test,198.51.100.80 \
    --host-record=mail.shop.test,198.51.100.25 \
    --cname=cdn.shop.test,www.shop.test \
    --cname=img.shop.test,cdn.shop.test \
    --mx-host=shop.test,mail.shop.test,10 \
    --txt-record=shop.test,"v=spf1 -all" \
    --ptr-record=80.100.51.198.in-addr.arpa,www.shop.test \
    --address=/evil.test/198.51.100.66 \
    --local=/shop.test/ --local=/nx.test/ \
    --dns-rr=www.shop.test,65,00010000010003026832
  echo "$(cat "$WORKDIR/upstream.pid") upstream-dnsmasq" >>"$STATE/pids"
}

lab_upstream_servers() {
  local port
  for port in 80 443; do
    spawn_bg up "nc-tcp4-$port" nc -d -k -l 198.51.100.80 "$port"
    spawn_bg up "nc-tcp6-$port" nc -6 -d -k -l 2001:db8:2::80 "$port"
  done
  spawn_bg up nc-udp4-5000 nc -u -d -k -l 198.51.100.80 5000
  for port in 80 443; do
    wait_for "tcp/$port on up" 100 listening up t 198.51.100.80 "$port"
    wait_for "tcp6/$port on up" 100 listening up t 2001:db8:2::80 "$port"
  done
  wait_for "udp/5000 on up" 100 listening up u 198.51.100.80 5000
  # The broken upstream for sf.test, answering SERVFAIL.
  spawn_bg up servfail-server "$(command -v node)" "$LAB_DIR/servfail-server.mjs" 198.51.100.54 53
  wait_for "servfail server on up" 200 listening up u 198.51.100.54 53
}

lab_router_dns() {
  printf '192.0.2.1 router.lan router\n2001:db8:1::1 router.lan router\n' >"$WORKDIR/hosts"
  # DHCP leases in dnsmasq's format (expiry mac ip hostname client-id) for the two v4 clients,
  # with documentation MACs (RFC 7042): what the agent names the clients with.
  printf '%s 00:00:5e:00:53:10 192.0.2.10 laptop 01:00:00:5e:00:53:10\n%s 00:00:5e:00:53:11 192.0.2.11 phone *\n' \
    "$(($(date +%s) + 43200))" "$(($(date +%s) + 43200))" >"$WORKDIR/dhcp.leases"
  # OpenWrt's dnsmasq runs with logqueries=1 (= extra). Runs as root here so the log file in a
  # private (0700) work directory stays writable; on OpenWrt it is the dnsmasq user.
  in_ns rtr dnsmasq \
    --conf-file=/dev/null --no-resolv --no-hosts \
    --bind-interfaces --listen-address=192.0.2.1 --listen-address=2001:db8:1::1 --port=53 \
    --user=root --pid-file="$WORKDIR/dnsmasq.pid" \
    --log-queries=extra --log-facility="$WORKDIR/dnsmasq.log" \
    --cache-size=150 \
    --server=198.51.100.53 \
    --server=/dead.test/203.0.113.1 \
    --server=/sf.test/198.51.100.54 \
    --server=/neterr.test/203.0.113.99 \
    --address=/ads.test/0.0.0.0 --address=/ads.test/:: \
    --local=/lan/ --addn-hosts="$WORKDIR/hosts"
  echo "$(cat "$WORKDIR/dnsmasq.pid") router-dnsmasq" >>"$STATE/pids"
}

cmd_up() {
  [ $# -eq 2 ] || die "usage: lab.sh up PREFIX WORKDIR"
  P=$1; check_prefix "$P"
  WORKDIR=$(realpath -m "$2")
  STATE="$STATE_ROOT/$P"
  [ "$(id -u)" -eq 0 ] || die "must run as root"
  command -v ip >/dev/null && ip netns list >/dev/null || die "'ip netns' is not available"
  [ ! -e "$STATE" ] || die "lab $P already exists (state in $STATE); run 'lab.sh down $P'"
  local n
  for n in cli rtr up; do
    [ ! -e "/run/netns/$(ns "$n")" ] || die "namespace $(ns "$n") already exists"
  done
  mkdir -p "$STATE" "$WORKDIR"
  echo "$WORKDIR" >"$STATE/workdir"
  : >"$STATE/pids"
  # Any failure from here on tears down what was built so far.
  trap 'rc=$?; [ $rc -eq 0 ] || { log "up failed (exit $rc), cleaning up"; LAB_QUIET=1 cmd_down "$P" || true; }' EXIT
  lab_links
  lab_router_netfilter
  lab_upstream_dns
  lab_upstream_servers
  lab_router_dns
  trap - EXIT
  log "up: $(ns cli) $(ns rtr) $(ns up); work dir $WORKDIR"
}

# Alive and not a zombie (where pid 1 does not reap, a killed orphan stays a zombie).
alive() { [ -r "/proc/$1/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }

kill_pids() { # pids...: TERM, wait up to 2 s, then KILL
  local pid i
  local -a left
  [ $# -gt 0 ] || return 0
  kill -TERM "$@" 2>/dev/null || true
  for ((i = 0; i < 40; i++)); do
    left=()
    for pid in "$@"; do if alive "$pid"; then left+=("$pid"); fi; done
    [ ${#left[@]} -gt 0 ] || return 0
    sleep 0.05
  done
  kill -KILL "${left[@]}" 2>/dev/null || true
}

# Network-namespace inodes of this lab's namespaces, one per line.
lab_ns_inodes() {
  local n
  for n in cli rtr up; do
    if [ -e "/run/netns/$(ns "$n")" ]; then stat -L -c %i "/run/netns/$(ns "$n")"; fi
  done
}

cmd_down() {
  [ $# -eq 1 ] || die "usage: lab.sh down PREFIX"
  P=$1; check_prefix "$P"
  STATE="$STATE_ROOT/$P"
  local pids=() pid name n inodes
  # A recorded pid is only killed while it still lives in one of our namespaces: after a reboot
  # or a long time the number may belong to someone else.
  inodes=$(lab_ns_inodes)
  if [ -f "$STATE/pids" ] && [ -n "$inodes" ]; then
    while read -r pid name; do
      [[ "$pid" =~ ^[0-9]+$ ]] || continue
      n=$(stat -L -c %i "/proc/$pid/ns/net" 2>/dev/null) || continue
      if grep -qx "$n" <<<"$inodes"; then pids+=("$pid"); fi
    done <"$STATE/pids"
  fi
  kill_pids "${pids[@]}"
  # Whatever else still lives in our namespaces was started in this lab (e.g. by `exec`):
  # a dnsmasq TCP child, an agent, a dig. Those pids are ours too.
  for n in cli rtr up; do
    [ -e "/run/netns/$(ns "$n")" ] || continue
    mapfile -t pids < <(ip netns pids "$(ns "$n")" 2>/dev/null || true)
    kill_pids "${pids[@]}"
  done
  for n in cli rtr up; do
    if [ -e "/run/netns/$(ns "$n")" ]; then ip netns del "$(ns "$n")" || true; fi
  done
  rm -rf "$STATE"
  log "down: $P"
}

cmd_exec() {
  [ $# -ge 3 ] || die "usage: lab.sh exec PREFIX NS cmd..."
  P=$1; check_prefix "$P"
  local n=$2; shift 2
  case "$n" in cli|rtr|up) ;; *) die "namespace must be cli, rtr or up, not '$n'" ;; esac
  exec ip netns exec "$(ns "$n")" "$@"
}

cmd_spawn() {
  [ $# -ge 4 ] || die "usage: lab.sh spawn PREFIX NS NAME cmd..."
  P=$1; check_prefix "$P"
  local n=$2 name=$3; shift 3
  case "$n" in cli|rtr|up) ;; *) die "namespace must be cli, rtr or up, not '$n'" ;; esac
  [[ "$name" =~ ^[A-Za-z0-9._-]+$ ]] || die "bad name '$name'"
  STATE="$STATE_ROOT/$P"
  [ -f "$STATE/workdir" ] || die "no lab $P"
  WORKDIR=$(cat "$STATE/workdir")
  spawn_bg "$n" "$name" "$@"
  tail -n1 "$STATE/pids" | cut -d' ' -f1
}

cmd_agent_config() {
  [ $# -ge 2 ] || die "usage: lab.sh agent-config PREFIX NDJSON [--flows] [--mqtt URL]"
  P=$1; check_prefix "$P"
  local out=$2 flows=0 mqtt=''
  shift 2
  while [ $# -gt 0 ]; do
    case "$1" in
      --flows) flows=1 ;;
      --mqtt) [ $# -ge 2 ] || die "--mqtt needs a URL"; mqtt=$2; shift ;;
      *) die "unknown option '$1'" ;;
    esac
    shift
  done
  STATE="$STATE_ROOT/$P"
  [ -f "$STATE/workdir" ] || die "no lab $P"
  WORKDIR=$(cat "$STATE/workdir")
  cat <<UCI
# netledger config for the router lab $P (generated by scripts/lab/lab.sh agent-config)
config agent 'main'
	option sensor_id 'lab'
	option state_dir '$WORKDIR/state'
	option status_interval '1'

config dnsmasq 'dns'
	option input 'file'
	option file '$WORKDIR/dnsmasq.log'
	# short, so the lab's never-answered query shows up quickly as complete: false
	option transaction_timeout '3'

config conntrack 'flows'
	option enabled '$flows'
	option mode 'events'

config devices 'devices'
	option leases_file '$WORKDIR/dhcp.leases'
	option ubus_leases '0'

config output 'out'
	option enabled '1'
	option file '$out'
	option max_bytes '0'

config spool 'spool'
	option dir '$WORKDIR/spool'

config mqtt 'mqtt'
	option enabled '$([ -n "$mqtt" ] && echo 1 || echo 0)'
	option url '$mqtt'
UCI
}

cmd_status() {
  [ $# -eq 1 ] || die "usage: lab.sh status PREFIX"
  P=$1; check_prefix "$P"
  STATE="$STATE_ROOT/$P"
  local n
  for n in cli rtr up; do
    if [ -e "/run/netns/$(ns "$n")" ]; then echo "netns $(ns "$n")"; fi
  done
  if [ -f "$STATE/workdir" ]; then echo "workdir $(cat "$STATE/workdir")"; fi
  if [ -f "$STATE/pids" ]; then sed 's/^/pid /' "$STATE/pids"; fi
}

cmd_workdir() {
  [ $# -eq 1 ] || die "usage: lab.sh workdir PREFIX"
  P=$1; check_prefix "$P"
  [ -f "$STATE_ROOT/$P/workdir" ] || die "no lab $P"
  cat "$STATE_ROOT/$P/workdir"
}

main() {
  [ $# -ge 1 ] || die "usage: lab.sh up|down|exec|status|workdir PREFIX ..."
  local sub=$1; shift
  case "$sub" in
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    exec) cmd_exec "$@" ;;
    spawn) cmd_spawn "$@" ;;
    agent-config) cmd_agent_config "$@" ;;
    status) cmd_status "$@" ;;
    workdir) cmd_workdir "$@" ;;
    *) die "unknown subcommand '$sub'" ;;
  esac
}

main "$@"
