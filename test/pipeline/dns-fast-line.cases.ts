// The fast lane (src/pipeline/dns-fast-line.ts) must change nothing but the cost: every input
// run with it (lines it refuses going the general way, as replay does) gives the same events,
// in the same order, and the same counters as the general path alone.
import type { Cases } from '../support/cases';
import { deepEq, eq, ok, seeded } from '../support/check';
import { Counters } from '../../src/counters';
import { DnsmasqLineParser } from '../../src/sources/dnsmasq/parser';
import type { DnsLogRecord } from '../../src/sources/dnsmasq/record';
import { TransactionAssembler } from '../../src/pipeline/transactions';
import { DnsFastLine } from '../../src/pipeline/dns-fast-line';
import { encodeDnsLine, encodeNdjson } from '../../src/codec/ndjson';
import { Pipeline } from '../../src/agent/pipeline';
import { dnsPipelineOptions } from '../support/pipeline-options';
import { NdjsonSink } from '../../src/agent/ndjson-sink';
import { recordCursor } from '../../src/agent/record-cursor';
import { mergeByTime } from '../../src/agent/time-merge';

const EXTRA = 'lab-basic/dnsmasq-extra.log';
const CLASSIC = 'lab-basic/dnsmasq-classic.log';
const LOGREAD = 'lab-basic/logread-extra.txt';
const LIVE = 'lab-live/dnsmasq-extra.log';
const UPSTREAM = 'lab-live/upstream-extra.log';
export const FIXTURES = [EXTRA, CLASSIC, LOGREAD, LIVE, UPSTREAM];

/**
 * Each line to the lane's take() (as the live agent calls it), the ones it refuses parsed and
 * handed on, with a tick at each new second (as mergeByTime does); returns the lines taken.
 */
function feed(input: string[], lane: DnsFastLine | null, parser: DnsmasqLineParser,
  tick: (ts: number) => void, push: (r: DnsLogRecord) => void): number {
  let last = -Infinity;
  let taken = 0;
  for (const line of input) {
    if (lane !== null && lane.take(line)) {
      taken++;
      continue;
    }
    const r = parser.parse(line);
    if (r === null) continue;
    if (r.ts > last + 0.999) {
      last = r.ts;
      tick(r.ts);
    }
    push(r);
  }
  return taken;
}

interface Run {
  lines: string[];
  counters: Record<string, unknown>;
  taken: number;
}

/**
 * Lines through the DNS path: the general path alone (fast false), the lane's take() per line
 * as the live agent calls it (true), or replay's record cursor, the lane driving the reads ('drive').
 */
function run(input: string[], fast: boolean | 'drive', o: { maxOpen?: number; direct?: boolean } = {}): Run {
  const counters = new Counters();
  const parser = new DnsmasqLineParser({ counters, year: 2026 });
  const lines: string[] = [];
  const asm = new TransactionAssembler({
    counters, sensor: 'lab', maxOpen: o.maxOpen, timeoutSec: 5,
    emit: (ev) => lines.push(encodeNdjson(ev)),
    // the direct path (pdns off) and the event path (pdns on) both
    emitTransaction: o.direct === false ? undefined : (t) => {
      lines.push(encodeDnsLine(t, 'lab'));
      return true;
    },
  });
  const lane = fast ? new DnsFastLine(asm, parser, counters) : null;
  if (fast === 'drive') {
    let i = 0;
    const reader = { next: () => (i < input.length ? input[i++] : null), close: () => {} };
    let parsed = 0;
    const parse = (line: string) => {
      parsed++;
      return parser.parse(line);
    };
    mergeByTime([recordCursor(reader, counters, 'lines', parse, (r) => asm.push(r), lane)], (ts) => asm.tick(ts));
    asm.flush();
    return { lines, counters: counters.snapshot() as unknown as Record<string, unknown>, taken: input.length - parsed };
  }
  counters.inc('lines', input.length); // as the record cursor counts them
  const taken = feed(input, lane, parser, (ts) => asm.tick(ts), (r) => asm.push(r));
  asm.flush();
  return { lines, counters: counters.snapshot() as unknown as Record<string, unknown>, taken };
}

function same(input: string[], what: string, o: { maxOpen?: number; direct?: boolean } = {}): Run {
  const general = run(input, false, o);
  const fast = run(input, true, o);
  deepEq(fast.lines, general.lines, `${what}: events`);
  deepEq(fast.counters, general.counters, `${what}: counters`);
  const driven = run(input, 'drive', o);
  deepEq(driven.lines, general.lines, `${what}: events, lane driving the reads`);
  deepEq(driven.counters, general.counters, `${what}: counters, lane driving the reads`);
  // (a query line under a head read by an earlier take() goes the general way: the client's
  // place in the head is known only within one drive())
  ok(driven.taken >= fast.taken, `${what}: lines taken, lane driving the reads: ${driven.taken} < ${fast.taken}`);
  return fast;
}

const split = (text: string): string[] => text.split('\n').filter((l) => l !== '');

const H = 'Nov 22 23:45:32 dnsmasq[8830]: ';

/** Every shape the lane takes or must refuse, in and around transactions. */
const SHAPES = [
  '1 192.0.2.10/5000 query[A] a.test from 192.0.2.10',
  '1 192.0.2.10/5000 forwarded a.test to 198.51.100.53#5353',
  '1 192.0.2.10/5000 reply a.test is <CNAME>',
  '1 192.0.2.10/5000 reply b.test is 198.51.100.1',
  '1 192.0.2.10/5000 reply b.test is 2001:db8::1',
  '1 192.0.2.10/5000 reply b.test is 198.51.100.2 (DNSSEC signed)',
  '2 192.0.2.11/5001 query[type=65] c.test from 192.0.2.11',
  '2 192.0.2.11/5001 cached c.test is <type=65>',
  '2 192.0.2.11/5001 cached c.test is <HTTPS>',
  '2 192.0.2.11/5001 cached c.test is <MX-1_2>',
  '2 192.0.2.11/5001 cached c.test is <type=>',
  '2 192.0.2.11/5001 cached c.test is <ht>',
  '3 192.0.2.12/5002 query[AAAA] d.test from 192.0.2.12',
  '3 192.0.2.12/5002 cached-stale d.test is NODATA-IPv6',
  '3 192.0.2.12/5002 reply d.test is NODATA-IPv9',
  '3 192.0.2.12/5002 reply d.test is NODATA',
  '4 192.0.2.13/5003 query[A] e.test from 192.0.2.13',
  '4 192.0.2.13/5003 config e.test is NXDOMAIN',
  '5 192.0.2.14/5004 query[A] ads.test from 192.0.2.14',
  '5 192.0.2.14/5004 config ads.test is 0.0.0.0',
  '6 192.0.2.15/5005 query[A] router.lan from 192.0.2.15',
  '6 192.0.2.15/5005 /tmp/hosts/odhcpd router.lan is 192.0.2.1',
  '6 192.0.2.15/5005 /etc/hosts 192.0.2.1 is router.lan',
  '7 192.0.2.16/5006 query[A] f.test from 192.0.2.16',
  '8 192.0.2.17/5007 query[A] g.test from 192.0.2.17',
  '7 192.0.2.16/5006 reply f.test is 198.51.100.7',
  '8 192.0.2.17/5007 reply g.test is 198.51.100.8',
  '7 192.0.2.16/5006 reply f.test is 198.51.100.9',
  '9 192.0.2.18/5008 query[txt] h.test from 192.0.2.18',
  '9 192.0.2.18/5008 reply h.test is v=spf1 -all',
  '9 192.0.2.18/5008 reply error is SERVFAIL (EDE: 22)',
  '10 192.0.2.19/99999 query[A] i.test from 192.0.2.19',
  '11 192.0.2.19/0123 query[A] j.test from 192.0.2.19',
  '11 192.0.2.19/0123 reply j.test is 1"2.3.4',
  '11 192.0.2.19/0123 reply j.test is 1\\2.3.4',
  '12 192.0.2.20/1 query[A] a name with spaces from x from 192.0.2.20',
  '12 192.0.2.20/1 forwarded a to b to 198.51.100.53',
  '12 192.0.2.20/1 reply a name is odd is 198.51.100.12',
  '1e1 192.0.2.21/1 query[A] k.test from 192.0.2.21',
  '10 192.0.2.21/1 reply k.test is 198.51.100.13',
  'TCP 13 192.0.2.22/1 query[A] l.test from 192.0.2.22',
  '13 dnssec-query[DS] test to 198.51.100.53',
  '13 validation test is SECURE',
  '14 192.0.2.23/1 reply orphan.test is 198.51.100.14',
  '14 192.0.2.23/1 forwarded orphan.test to 198.51.100.53',
  '1 192.0.2.10/5000 query[A] reused.test from 192.0.2.10',
  '1 192.0.2.10/5000 reply reused.test is 198.51.100.15',
  '15 192.0.2.24/1 query[A] m.test from 192.0.2.24',
  '15 192.0.2.24/1 forwarded m.test to ',
  '15 192.0.2.24/1 forwarded m.test to 198.51.100.53 ',
  '15 192.0.2.24/1 forwarded m.test to 198.51.100.53 x',
  '15 192.0.2.24/1 forwarded to 198.51.100.54',
  '15 192.0.2.24/1 forwarded m.test to',
  '15 192.0.2.24/1 reply m.test is 198.51.100.16\r',
  '15 192.0.2.24/1 reply m.test is 198.51.100.17',
  '16 192.0.2.26/7 query[type=] n.test from 192.0.2.26',
  '17 192.0.2.26/7 query[typ=1] n.test from 192.0.2.26',
  '18 192.0.2.26/7 query[type] n.test from 192.0.2.26',
  '19 192.0.2.26/7 query[HTTPS] n.test from 192.0.2.26',
  '18 192.0.2.26/7 ',
  '',
  '20 192.0.2.27/8 query[A] x.test from 192.0.2.27',
  '20 192.0.2.27/8 reply x.test is <CNAME>',
  '20 192.0.2.27/8 reply y"z\\.test is 198.51.100.20',
  '20 192.0.2.27/8 reply y"z\\.test is 1.2.3.%41',
  '20 192.0.2.27/8 reply y"z\\.test is 1.2.3.\u00e9',
  '21 192.0.2.27/9 query[AAAA] x.test from 192.0.2.27',
  '21 192.0.2.27/9 reply x.test is 2001:db8::"',
  '21 192.0.2.27/9 reply x.test is 2001:db8::\ud800',
  '22 192.0.2.28/1 query[TXT] txt.test from 192.0.2.28',
  '22 192.0.2.28/1 reply txt.test is v=spf1 -all',
  '22 192.0.2.28/1 reply txt.test is hello world',
  '22 192.0.2.28/1 reply txt.test is x',
  '22 192.0.2.28/1 reply txt.test is truncated',
  '22 192.0.2.28/1 reply txt.test is no DS',
  '22 192.0.2.28/1 reply txt.test is not implemented',
  '22 192.0.2.28/1 reply txt.test is v=spf1 (DNSSEC signed)',
  '22 192.0.2.28/1 reply txt.test is v=spf1 (EDE: 1)',
  '22 192.0.2.28/1 reply 192.0.2.9 is v=spf1',
  '22 192.0.2.28/1 reply ab:cd is v=spf1',
  '22 192.0.2.28/1 reply abc.test is v=spf1',
  '22 192.0.2.28/1 reply error is servfail',
  '22 192.0.2.28/1 cached txt.test is z"q\\',
  '22 192.0.2.28/1 config txt.test is version',
  '22 192.0.2.28/1 /etc/hosts txt.test is router.lan',
  '22 192.0.2.28/1 /etc/hosts 192.0.2.1 is router.lan',
  '22 192.0.2.28/1 reply txt.test is v=spf1\r',
  '22 192.0.2.28/1 reply  is v=spf1',
  '4294967295 192.0.2.29/1 query[A] top.test from 192.0.2.29',
  '4294967296 192.0.2.29/1 query[A] over.test from 192.0.2.29',
  '23 192.0.2.29/1 query[A] p.test from 192.0.2.29',
  '024 192.0.2.29/1 query[A] q.test from 192.0.2.29',
  '24 192.0.2.29/1 query[A] r.test from 192.0.2.29',
  '25 192.0.2.29/1 reply r.test is 198.51.100.25',
  'query[A] classic.test from 192.0.2.25',
  'reply classic.test is 198.51.100.18',
];


/** Lines through a Pipeline as replay feeds it (runAlone), with or without Pipeline.dnsFastLine(). */
function viaPipeline(input: string[], fast: boolean, learn: boolean, pdns: boolean): { lines: string[]; net: string; counters: unknown } {
  const counters = new Counters();
  const lines: string[] = [];
  const sink = new NdjsonSink({ counters, batchLines: 7, write: (t) => lines.push(...t.split('\n').filter((l) => l !== '')) });
  const p = new Pipeline({ counters, sink, options: dnsPipelineOptions({ learn, pdns }) });
  const parser = new DnsmasqLineParser({ counters, year: 2026 });
  feed(input, fast ? p.dnsFastLine(parser) : null, parser, (ts) => p.tick(ts), (r) => p.dnsRecord(r));
  p.flush();
  sink.flush();
  return { lines, net: JSON.stringify(p.netModel()), counters: counters.snapshot() };
}

export const cases: Cases = {
  'Pipeline.dnsFastLine: same lines, counters and learned network (learning on and off, pdns on and off)': ({ fixture }) => {
    for (const fx of [EXTRA, LOGREAD, LIVE, UPSTREAM]) {
      const input = split(fixture(fx));
      for (const learn of [false, true]) {
        for (const pdns of [false, true]) {
          const a = viaPipeline(input, false, learn, pdns);
          const b = viaPipeline(input, true, learn, pdns);
          deepEq(b.lines, a.lines, `${fx} learn=${learn} pdns=${pdns}: lines`);
          eq(b.net, a.net, `${fx} learn=${learn}: network`);
          deepEq(b.counters, a.counters, `${fx} learn=${learn} pdns=${pdns}: counters`);
          if (learn && fx === EXTRA) ok(JSON.parse(b.net).lanPrefixes.length > 0, `learned LAN prefixes: ${b.net}`);
        }
      }
    }
  },

  'fixtures: the same events and counters with the fast lane, which takes most lines': ({ fixture }) => {
    for (const fx of FIXTURES) {
      for (const direct of [true, false]) {
        const r = same(split(fixture(fx)), `${fx} direct=${direct}`, { direct });
        if (fx !== CLASSIC) ok(r.taken > 0, `${fx}: lines taken (${r.taken})`);
      }
    }
    const extra = run(split(fixture(EXTRA)), true);
    ok(extra.taken >= 30, `extra fixture: ${extra.taken} of 54 lines taken`);
  },

  'every shape, within one second and across seconds (ticks, timeouts)': () => {
    const oneSecond = SHAPES.map((m) => H + m);
    same(oneSecond, 'one second');
    same(oneSecond, 'one second, events', { direct: false });
    // a new second every few lines: the lane must leave those lines (and their ticks) to the general path
    const seconds = SHAPES.map((m, i) => `Nov 22 23:45:${String(32 + Math.floor(i / 3)).padStart(2, '0')} dnsmasq[8830]: ${m}`);
    same(seconds, 'seconds');
    // a second pid (TCP child) interleaved
    same(SHAPES.map((m, i) => (i % 2 === 0 ? H : H.replace('8830', '8831')) + m), 'two pids');
    const r = run(oneSecond, true);
    ok(r.taken > SHAPES.length / 2, `taken ${r.taken}`);
  },

  'answers over the cap and a full queue: same drops': () => {
    const lines = [H + '1 192.0.2.10/1 query[A] many.test from 192.0.2.10'];
    for (let i = 0; i < 70; i++) lines.push(H + `1 192.0.2.10/1 reply many.test is 198.51.100.${i}`);
    for (let i = 2; i < 40; i++) lines.push(H + `${i} 192.0.2.10/${i} query[A] q${i}.test from 192.0.2.10`);
    const r = same(lines, 'caps', { maxOpen: 8 });
    eq((r.counters.dropped as Record<string, number>)['dns.answers_capped'], 6, 'answers capped');
    ok((r.counters.dropped as Record<string, number>)['dns.txn_overflow'] > 0, 'overflow');
  },

  'seeded fuzz: mutated fixture and shape lines give the same events and counters': ({ fixture }) => {
    const rnd = seeded(2026);
    const pool = [...split(fixture(EXTRA)), ...split(fixture(LOGREAD)), ...split(fixture(LIVE)), ...SHAPES.map((m) => H + m)];
    const junk = [' ', '/', '#', '<', '>', '"', '\\', '\u0000', '\ufffd', '\ud800', ':', '.', '0', '9', ' is ', ' to ', ' from ',
      'query[', 'reply ', 'cached ', '<CNAME>', 'NXDOMAIN', 'NODATA-IPv4', '\r', 'x'.repeat(1100)];
    for (let round = 0; round < 8; round++) {
      const input: string[] = [];
      for (let i = 0; i < 400; i++) {
        let s = pool[Math.floor(rnd() * pool.length)];
        const r = rnd();
        const k = Math.floor(rnd() * s.length);
        if (r < 0.15) s = s.slice(0, k) + junk[Math.floor(rnd() * junk.length)] + s.slice(k + 1);
        else if (r < 0.25) s = s.slice(0, k) + junk[Math.floor(rnd() * junk.length)] + s.slice(k);
        else if (r < 0.3) s = s.slice(0, k);
        else if (r < 0.4) s = s.replace(/\]: (\d+) /, `]: ${Math.floor(rnd() * 20)} `);
        else if (r < 0.45) s = s.replace(/:(\d\d) /, `:${String(Math.floor(rnd() * 60)).padStart(2, '0')} `);
        input.push(s);
        if (rnd() < 0.05) input.push(s);
      }
      same(input, `round ${round}`, { maxOpen: 16 + round * 8 });
      same(input, `round ${round}, events`, { direct: false });
    }
  },
};
