#!/usr/bin/env node
// Deterministic `conntrack -E -o timestamp,extended,id` text for benchmarks: a busy router with
// about --concurrent open flows (default 20,000) and --lines events (default 200,000). LAN
// clients in 192.0.2.0/24 and 2001:db8:1::/64, masqueraded to 198.51.100.1 (IPv4 only, some
// ports remapped); tcp (SYN_SENT → SYN_RECV → ESTABLISHED [ASSURED] → FIN_WAIT → TIME_WAIT),
// udp (NEW [UNREPLIED] → UPDATE), icmp/icmpv6 echo; DESTROY lines carry accounting and
// delta-time as with nf_conntrack_acct=1 and nf_conntrack_timestamp=1.
//
//   node scripts/bench/gen-conntrack.mjs [--lines N] [--concurrent K] [--seed S] > events.txt
import { writeSync } from 'node:fs';
import { seeded } from './seeded.mjs';

const args = process.argv.slice(2);
function opt(name, def) {
  const k = args.indexOf(name);
  return k >= 0 ? Number(args[k + 1]) : def;
}
const LINES = opt('--lines', 200_000);
const CONCURRENT = opt('--concurrent', 20_000);
const rnd = seeded(opt('--seed', 1));
const pick = (n) => Math.floor(rnd() * n);

const TCP_STEPS = [
  ['SYN_RECV', 60, false],
  ['ESTABLISHED', 432000, true],
  ['FIN_WAIT', 120, true],
  ['TIME_WAIT', 120, true],
];
const SERVICES_TCP = [443, 443, 443, 80, 22, 993, 8443, 5223];
const SERVICES_UDP = [53, 443, 123, 3478, 5000, 51820];

let now = 1795400000;
let nextId = 100000;
const open = []; // flows
let out = [];
let bytes = 0;
let written = 0;

function emit(line) {
  out.push(line);
  if (out.length >= 4096) flush();
}
function flush() {
  const s = out.join('\n') + '\n';
  writeSync(1, s);
  bytes += s.length;
  out = [];
}
function stamp() {
  now += 0.000001 + rnd() * 0.0004;
  const sec = Math.floor(now);
  const usec = Math.floor((now - sec) * 1e6);
  return `[${sec}.${String(usec).padStart(6, '0')}]\t`;
}

function newFlow() {
  const v6 = rnd() < 0.12;
  const r = rnd();
  const proto = r < 0.6 ? 'tcp' : r < 0.95 ? 'udp' : v6 ? 'icmpv6' : 'icmp';
  const client = v6 ? `2001:db8:1::${(2 + pick(200)).toString(16)}` : `192.0.2.${2 + pick(200)}`;
  const server = v6
    ? `2001:db8:${(2 + pick(40)).toString(16)}::${(1 + pick(4000)).toString(16)}`
    : rnd() < 0.5
      ? `198.51.100.${2 + pick(250)}`
      : `203.0.113.${2 + pick(250)}`;
  const sport = 1024 + pick(64000);
  const f = {
    id: (nextId = (nextId + 1 + pick(5000)) >>> 0),
    v6,
    proto,
    client,
    server,
    sport,
    dport: proto === 'tcp' ? SERVICES_TCP[pick(SERVICES_TCP.length)] : SERVICES_UDP[pick(SERVICES_UDP.length)],
    natPort: !v6 && rnd() < 0.1 ? 1024 + pick(64000) : sport,
    icmpId: pick(65536),
    step: 0,
    start: now,
    pkts: [0, 0],
    bytes: [0, 0],
  };
  return f;
}

function header(f) {
  const l3 = f.v6 ? 'ipv6     10' : 'ipv4     2';
  const l4 = f.proto === 'tcp' ? 'tcp      6' : f.proto === 'udp' ? 'udp      17' : f.proto === 'icmp' ? 'icmp     1' : 'icmpv6   58';
  return `${l3} ${l4}`;
}
function tuples(f, unreplied, acct) {
  const wan = f.v6 ? f.client : '198.51.100.1';
  const a0 = acct ? ` packets=${f.pkts[0]} bytes=${f.bytes[0]}` : '';
  const a1 = acct ? ` packets=${f.pkts[1]} bytes=${f.bytes[1]}` : '';
  const ur = unreplied ? ' [UNREPLIED]' : '';
  if (f.proto === 'icmp' || f.proto === 'icmpv6') {
    const [t, rt] = f.proto === 'icmp' ? [8, 0] : [128, 129];
    return `src=${f.client} dst=${f.server} type=${t} code=0 id=${f.icmpId}${a0}${ur} src=${f.server} dst=${wan} type=${rt} code=0 id=${f.icmpId}${a1}`;
  }
  return `src=${f.client} dst=${f.server} sport=${f.sport} dport=${f.dport}${a0}${ur} src=${f.server} dst=${wan} sport=${f.dport} dport=${f.natPort}${a1}`;
}

function opening(f) {
  const ts = stamp();
  f.start = now;
  if (f.proto === 'tcp') return `${ts}    [NEW] ${header(f)} 120 SYN_SENT ${tuples(f, true, false)} id=${f.id}`;
  return `${ts}    [NEW] ${header(f)} 30 ${tuples(f, true, false)} id=${f.id}`;
}

/** The next UPDATE, or null when the flow has no more. */
function update(f) {
  if (f.proto === 'tcp' && f.step < TCP_STEPS.length) {
    const [state, timeout, assured] = TCP_STEPS[f.step++];
    return `${stamp()} [UPDATE] ${header(f)} ${timeout} ${state} ${tuples(f, false, false)}${assured ? ' [ASSURED]' : ''} id=${f.id}`;
  }
  if (f.proto === 'udp' && f.step === 0) {
    f.step++;
    return `${stamp()} [UPDATE] ${header(f)} 30 ${tuples(f, false, false)} id=${f.id}`;
  }
  return null;
}

function destroy(f) {
  const ts = stamp();
  f.pkts = [1 + pick(2000), pick(3000)];
  f.bytes = [f.pkts[0] * (40 + pick(1400)), f.pkts[1] * (40 + pick(1400))];
  const delta = Math.floor(now) - Math.floor(f.start);
  const unreplied = f.pkts[1] === 0 || (f.proto === 'udp' && f.step === 0);
  const state = f.proto === 'tcp' ? ` ${f.step >= 2 ? 'TIME_WAIT' : 'CLOSE'}` : '';
  const assured = f.proto === 'tcp' && f.step >= 2 ? ' [ASSURED]' : '';
  return `${ts}[DESTROY] ${header(f)}${state} ${tuples(f, unreplied, true)}${assured} delta-time=${delta} id=${f.id}`;
}

while (written < LINES) {
  if (open.length < CONCURRENT && (open.length < CONCURRENT * 0.95 || rnd() < 0.5)) {
    const f = newFlow();
    open.push(f);
    emit(opening(f));
  } else {
    const k = pick(open.length);
    const f = open[k];
    const u = rnd() < 0.45 ? update(f) : null;
    if (u !== null) emit(u);
    else {
      emit(destroy(f));
      open[k] = open[open.length - 1];
      open.pop();
    }
  }
  written++;
}
flush();
process.stderr.write(`gen-conntrack: ${written} lines, ${bytes} bytes, ${open.length} flows open at the end\n`);
