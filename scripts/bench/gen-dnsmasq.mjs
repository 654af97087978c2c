#!/usr/bin/env node
// Writes a deterministic, realistic dnsmasq `--log-queries=extra --log-facility=FILE` log for
// benchmarks: varied clients (v4 and v6), names, qtypes, cache hits, CNAME chains, multi-address
// answers, sinkhole blocks, NXDOMAIN/NODATA, upstream errors, hosts-file answers, unanswered
// queries, replies interleaved with later queries, and a TCP child (second pid, its own serials).
//
//   node scripts/bench/gen-dnsmasq.mjs [--lines N] [--seed S] [--out FILE]   (default 1e6, 1, stdout)
//
// Only documentation address ranges are used. Same arguments, same bytes.
import { createWriteStream } from 'node:fs';
import { seeded } from './seeded.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const LINES = Number(opt('--lines', '1000000'));
const SEED = Number(opt('--seed', '1'));
const OUT = opt('--out', '-');

const rnd = seeded(SEED);
const pick = (arr) => arr[Math.floor(rnd() * arr.length)];
const int = (lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1));

const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n) => (n < 10 ? '0' : '') + n;
let clock = Date.UTC(2026, 10, 22, 6, 0, 0) / 1000;
let stampSec = -1;
let stampText = '';
function stamp() {
  const s = Math.floor(clock);
  if (s !== stampSec) {
    const d = new Date(s * 1000);
    const day = d.getUTCDate();
    stampText = `${MON[d.getUTCMonth()]} ${day < 10 ? ' ' + day : day} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
    stampSec = s;
  }
  return stampText;
}

// Clients: a home network's worth, mostly IPv4, some IPv6.
const clients = [];
for (let i = 10; i < 60; i++) clients.push(`192.0.2.${i}`);
for (let i = 1; i < 12; i++) clients.push(`2001:db8:1::${(0x100 + i * 17).toString(16)}`);

const words = ['www', 'api', 'cdn', 'img', 'static', 'mail', 'login', 'update', 'telemetry', 'edge',
  'media', 'video', 'push', 'time', 'ntp', 'assets', 'fonts', 'graph', 'sync', 'dl', 'auth', 'ws'];
const zones = ['example.com', 'example.net', 'example.org', 'shop.test', 'news.test', 'cloud.example',
  'video.test', 'social.example', 'games.test', 'bank.example', 'weather.test', 'maps.example'];
const names = [];
for (let i = 0; i < 600; i++) {
  const depth = int(0, 2);
  let n = pick(zones);
  for (let d = 0; d < depth + 1; d++) n = `${pick(words)}${rnd() < 0.3 ? int(1, 9) : ''}.${n}`;
  names.push(n);
}
const blocked = ['ads.example.com', 'tracker.example.net', 'pixel.ads.test', 'metrics.ads.test', 'beacon.track.test'];
const hostsNames = ['router.lan', 'nas.lan', 'printer.lan', 'tv.lan'];
const v4 = () => `${pick(['198.51.100', '203.0.113'])}.${int(1, 254)}`;
const v6 = () => `2001:db8:${int(2, 9).toString(16)}::${int(1, 0xffff).toString(16)}`;
const upstreams = ['198.51.100.53', '198.51.100.54', '2001:db8:2::53', '203.0.113.53#5353'];

const out = OUT === '-' ? process.stdout : createWriteStream(OUT);
let buf = [];
let written = 0;
function line(pid, text) {
  if (written >= LINES) return;
  buf.push(`${stamp()} dnsmasq[${pid}]: ${text}\n`);
  written++;
  if (buf.length >= 4096) flushBuf();
}
function flushBuf() {
  if (buf.length) out.write(buf.join(''));
  buf = [];
}

const MAIN = 8830;
let child = 8911;
let serial = 0;
let childSerial = 0;
let childLeft = 0;
/** replies still owed: { pid, pre, lines[], due } */
const pending = [];

for (const l of ['started, version 2.90 cachesize 1000', 'compile time options: IPv6 GNU-getopt no-DBus UBus no-i18n IDN2 DHCP DHCPv6 no-Lua TFTP conntrack no-ipset nftset auth cryptohash DNSSEC no-ID loop-detect inotify dumpfile',
  'using nameserver 198.51.100.53#53', 'using only locally-known addresses for lan', 'read /etc/hosts - 4 names', 'read /tmp/hosts/odhcpd - 3 names']) line(MAIN, l);

function answerLines(pre, qname, qtype) {
  const ls = [];
  let name = qname;
  if (rnd() < 0.25) {
    const hops = int(1, 2);
    for (let h = 0; h < hops; h++) {
      ls.push(`${pre} reply ${name} is <CNAME>`);
      name = `${pick(words)}.edge${int(1, 40)}.cdn.example.net`;
    }
  }
  const n = int(1, 4);
  for (let k = 0; k < n; k++) {
    if (qtype === 'A') ls.push(`${pre} reply ${name} is ${v4()}`);
    else if (qtype === 'AAAA') ls.push(`${pre} reply ${name} is ${v6()}`);
    else if (qtype === 'HTTPS') { ls.push(`${pre} reply ${name} is <HTTPS>`); break; }
    else if (qtype === 'TXT') ls.push(`${pre} reply ${name} is v=spf1 include:_spf.${pick(zones)} -all`);
    else if (qtype === 'MX') ls.push(`${pre} reply ${name} is <MX>`);
    else if (qtype === 'SRV') ls.push(`${pre} reply ${name} is <SRV>`);
    else ls.push(`${pre} reply ${name} is <type=65>`);
  }
  return ls;
}

while (written < LINES) {
  clock += rnd() * 0.05; // ~40 transactions a second
  // Owed replies come back after a few later queries.
  for (let i = 0; i < pending.length; i++) {
    const p = pending[i];
    if (--p.due <= 0) {
      for (const l of p.lines) line(p.pid, l);
      pending.splice(i--, 1);
    }
  }
  const useChild = childLeft > 0;
  if (!useChild && rnd() < 0.01) {
    childLeft = int(1, 4); // a TCP connection: a forked child with the parent's serial counter
    childSerial = serial + 1;
    child += int(1, 3);
  }
  const pid = childLeft > 0 ? child : MAIN;
  let id;
  if (pid !== MAIN) {
    id = childSerial++;
    childLeft--;
  } else {
    id = ++serial;
  }
  const client = pick(clients);
  const pre = `${id} ${client}/${int(1024, 65535)}`;
  const r = rnd();
  let qtype = r < 0.5 ? 'A' : r < 0.85 ? 'AAAA' : r < 0.93 ? 'HTTPS' : r < 0.95 ? 'PTR' : r < 0.965 ? 'TXT' : r < 0.975 ? 'MX' : r < 0.985 ? 'SRV' : 'type=65';
  const o = rnd();
  if (o < 0.05) {
    const b = `${pick(['', 'x.', 'cdn.'])}${pick(blocked)}`;
    if (qtype !== 'A' && qtype !== 'AAAA') qtype = 'A';
    line(pid, `${pre} query[${qtype}] ${b} from ${client}`);
    line(pid, `${pre} config ${b} is ${qtype === 'A' ? '0.0.0.0' : '::'}`);
    continue;
  }
  if (o < 0.07) {
    const h = pick(hostsNames);
    line(pid, `${pre} query[A] ${h} from ${client}`);
    line(pid, `${pre} /tmp/hosts/odhcpd ${h} is 192.0.2.${int(1, 9)}`);
    continue;
  }
  if (qtype === 'PTR') {
    const a = v4();
    const arpa = a.split('.').reverse().join('.') + '.in-addr.arpa';
    line(pid, `${pre} query[PTR] ${arpa} from ${client}`);
    if (rnd() < 0.5) {
      line(pid, `${pre} cached ${a} is ${pick(names)}`);
    } else {
      line(pid, `${pre} forwarded ${arpa} to ${pick(upstreams)}`);
      pending.push({ pid, due: int(0, 3), lines: [`${pre} reply ${a} is ${pick(names)}`] });
    }
    continue;
  }
  const qname = pick(names);
  line(pid, `${pre} query[${qtype}] ${qname} from ${client}`);
  const qt = qtype.startsWith('type=') ? 'TYPE65' : qtype;
  if (o < 0.45) {
    // cache hit: the whole answer right after the query
    const ls = answerLines(pre, qname, qt).map((l) => l.replace(' reply ', ' cached '));
    for (const l of ls) line(pid, l);
    continue;
  }
  line(pid, `${pre} forwarded ${qname} to ${pick(upstreams)}`);
  let ls;
  const f = rnd();
  if (f < 0.05) ls = [`${pre} reply ${qname} is NXDOMAIN`];
  else if (f < 0.1) ls = [`${pre} reply ${qname} is ${qt === 'A' ? 'NODATA-IPv4' : qt === 'AAAA' ? 'NODATA-IPv6' : 'NODATA'}`];
  else if (f < 0.115) ls = [`${pre} reply error is ${rnd() < 0.5 ? 'SERVFAIL' : 'REFUSED'}`];
  else if (f < 0.12) ls = []; // never answered (upstream unreachable)
  else ls = answerLines(pre, qname, qt);
  if (ls.length) pending.push({ pid, due: int(0, 4), lines: ls });
}
flushBuf();
if (out !== process.stdout) out.end();
