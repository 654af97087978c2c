#!/usr/bin/env node
// Issue 3 figures: generated conntrack events (about 20,000 flows open) through the real bundle
// under qjs, alone and replayed together with a dnsmasq log of 50,000 joinable answers for the
// same clients (scripts/bench/bench-join-dns.mjs), so the join table is full.
//   node scripts/bench/bench-conntrack.mjs time|instr
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUNDLE, OUT, QJS, QJS_AGENT, callgrind, measure, replaySummary, topFunctions, writeJson } from './bench-lib.mjs';

const phase = process.argv[2];
const CT = join(OUT, 'ct-200k.txt');
const CT_CG = join(OUT, 'ct-cg.txt');
const EMPTY = join(OUT, 'empty.txt');
const JOIN = join(OUT, 'join.log');
// The figures speak of 20,000 concurrent open flows: the table must hold them, not evict them
// (the default max_flows, 16,384, would emit ~24,000 of them early as interim records).
const CAP = join(OUT, 'ct-flows.uci');
writeFileSync(CAP, "config conntrack 'flows'\n\toption max_flows '32768'\n");
const LAN = ['--config', CAP, '--sensor', 'replay', '--lan', '192.0.2.0/24', '--lan', '2001:db8:1::/64', '--year', '2026'];
const replay = (ct, dns) => [...QJS_AGENT, BUNDLE, 'replay', ...(ct ? ['--conntrack', ct] : []), ...(dns ? ['--dnsmasq', dns] : []), ...LAN];

if (phase === 'time') {
  const N = Number(process.env.CT_LINES);
  const both = await measure(replay(CT, JOIN));
  if (both.status !== 0) throw new Error(`replay failed: ${both.stderr}`);
  const ct = await measure(replay(CT, null));
  const dns = await measure(replay(null, JOIN));
  const s = replaySummary(both.stderr);
  const res = {
    lines: N,
    withJoin: { ms: both.ms, cpuSec: both.cpuSec, peakRssKb: both.peakRssKb, summary: s.line, events: s.events, skipped: s.skipped },
    ctOnly: { ms: ct.ms, cpuSec: ct.cpuSec, eventsPerSec: Math.round(N / (ct.ms / 1000)), eventsPerCpuSec: Math.round(N / ct.cpuSec), peakRssKb: ct.peakRssKb, summary: replaySummary(ct.stderr).line },
    joinDnsOnly: { ms: dns.ms, cpuSec: dns.cpuSec, peakRssKb: dns.peakRssKb },
  };
  writeJson('ct-time.json', res);
  console.log(`conntrack time: ${JSON.stringify(res.ctOnly)} with join ${JSON.stringify({ cpuSec: both.cpuSec, peakRssKb: both.peakRssKb })}`);
} else if (phase === 'instr') {
  const N = Number(process.env.CT_CG_LINES);
  const r = callgrind('ct-replay', replay(CT_CG, null));
  const e = callgrind('ct-replay-empty', replay(EMPTY, null));
  const res = {
    lines: N, summary: replaySummary(r.stderr).line,
    ir: r.ir, irStartup: e.ir, perEvent: Math.round((r.ir - e.ir) / N),
    top: topFunctions(r.file),
  };
  writeJson('ct-instr.json', res);
  console.log(`conntrack instr: ${res.perEvent} instr/event over the first ${N} events`);
} else throw new Error('usage: bench-conntrack.mjs time|instr');
