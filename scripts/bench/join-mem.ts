// Throwaway harness: the AnswerJoin under qjs with 50k joinable answers and 20k open flows.
// Bundle and run:  node scripts/bench/join-bench.mjs   (prints RSS figures; see docs/join.md)
// Modes (argv): 'events' only builds the events; 'learn' also learns; 'full' learns and annotates.
import * as std from 'std';
import { AnswerJoin } from '../../src/pipeline/join';
import { Counters } from '../../src/counters';
import type { DnsEvent, FlowEvent } from '../../src/events';

declare const scriptArgs: string[];
declare function print(...args: unknown[]): void;

function status(): { rss: number; hwm: number } {
  // /proc files report size 0, so read them as a stream rather than with loadFile
  const f = std.open('/proc/self/status', 'r');
  const text = f ? (f as unknown as { readAsString(): string }).readAsString() : '';
  f?.close();
  const kb = (key: string) => {
    const at = text.indexOf(key);
    return at < 0 ? -1 : parseInt(text.slice(at + key.length), 10);
  };
  return { rss: kb('VmRSS:'), hwm: kb('VmHWM:') };
}

const mode = scriptArgs[1] ?? 'full';
const preseat = scriptArgs[2] === 'preseat';
const ANSWERS = 50000;
const FLOWS = 20000;
const CLIENTS = 40;
const before = status();
const counters = new Counters();
const join = new AnswerJoin({ counters, warmupSec: 0, maxTotal: ANSWERS });
const t0 = Date.now();
let ts = 1700000000;
// 50k distinct (client, address) answers: each DNS event answers 2 A records for one qname,
// qnames like a home network's (CDN-ish, 20-40 characters), addresses spread over v4 and v6.
let learned = 0;
for (let i = 0; learned < ANSWERS; i++) {
  const client = `192.168.1.${10 + (i % CLIENTS)}`;
  const qname = `host${i}.cdn${i % 97}.example-service.com`;
  const a1 = `${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}.1`;
  const a2 = i % 4 === 0 ? `2001:db8:${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}::2` : `${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}.2`;
  const ev: DnsEvent = {
    type: 'dns', ts, sensor: 'r', client, client_port: 40000, qname, qtype: 'A', source: 'forwarded', rcode: 'NOERROR',
    answers: [{ name: qname, type: 'A', data: a1 }, { name: qname, type: a2.indexOf(':') > 0 ? 'AAAA' : 'A', data: a2 }],
  };
  ts += 0.02;
  if (mode !== 'events') join.learn(ev);
  learned += 2;
}
const afterAnswers = status();
const tLearn = Date.now() - t0;
// 20k open flows, held as the flow table would hold them, each annotated once
const flows: FlowEvent[] = [];
for (let k = 0; k < FLOWS; k++) {
  const i = (k * 7) % (ANSWERS / 2);
  const f: FlowEvent = {
    type: 'flow', ts, sensor: 'r', proto: 'tcp', orig_h: `192.168.1.${10 + (i % CLIENTS)}`, orig_p: 30000 + (k % 30000),
    resp_h: k % 10 === 0 ? `203.0.113.${k % 250}` : `${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}.1`, resp_p: 443,
    state: 'ESTABLISHED', ct_id: k,
  };
  // pre-seated keys (as a flow table could create them) spare a shape change per annotate
  if (preseat) Object.assign(f, { mac: undefined, hostname: undefined, name: undefined, direct: undefined, final: undefined });
  if (mode === 'full') join.annotate(f, 'lan');
  if (mode === 'full5') for (let r = 0; r < 5; r++) join.annotate(f, 'lan');
  flows.push(f);
}
const end = status();
const named = counters.get('join_named');
print(JSON.stringify({
  mode, entries: join.size(), named, direct: counters.get('join_direct'),
  rss_kb: { start: before.rss, after_answers: afterAnswers.rss, end: end.rss, peak: end.hwm },
  ms: { learn: tLearn, total: Date.now() - t0 },
  dropped: counters.snapshot().dropped,
}));
