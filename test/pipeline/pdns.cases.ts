import type { Cases } from '../support/cases';
import type { PdnsEvent } from '../../src/events';
import { eq, deepEq, ok } from '../support/check';
import { Counters } from '../../src/counters';
import { PassiveDns } from '../../src/pipeline/pdns';
import { fakeDns } from './factories';
import { ReferencePassiveDns } from './pdns.reference';
import { seeded } from '../support/check';
import type { DnsAnswer, DnsEvent, NetEvent } from '../../src/events';
import { encodeNdjson } from '../../src/codec/ndjson';
import { DnsmasqLineParser } from '../../src/sources/dnsmasq/parser';
import { NdjsonSink } from '../../src/agent/ndjson-sink';
import { Pipeline } from '../../src/agent/pipeline';
import { dnsPipelineOptions } from '../support/pipeline-options';

export const FIXTURES = ['lab-basic/dnsmasq-extra.log', 'lab-basic/dnsmasq-classic.log', 'lab-live/dnsmasq-extra.log'];

/**
 * A dnsmasq log through a Pipeline with pdns on: `ndjson` lets the direct dns line path run.
 * Without it, the dns events also go through the reference model, ticked alike: its records.
 */
function pipelineLines(text: string, ndjson: boolean, maxRecords: number): { lines: string[]; ref: string[] } {
  const counters = new Counters();
  const lines: string[] = [];
  const ref: string[] = [];
  const model = new ReferencePassiveDns({ sensor: 'lab', counters: new Counters(), emit: (e) => ref.push(encodeNdjson(e)), maxRecords, windowSec: 60 });
  const sink = ndjson
    ? new NdjsonSink({ counters, batchLines: 3, write: (t) => lines.push(...t.split('\n').filter((l) => l !== '')) })
    : {
      emit: (ev: NetEvent) => {
        if (ev.type === 'dns') model.learn(ev);
        lines.push(encodeNdjson(ev));
      },
    };
  const options = dnsPipelineOptions({ pdns: true, maxRecords });
  const p = new Pipeline({ counters, sink, options });
  const parser = new DnsmasqLineParser({ counters, year: 2026 });
  for (const l of text.split('\n')) {
    const r = l === '' ? null : parser.parse(l);
    if (r !== null) {
      p.dnsRecord(r);
      p.tick(Math.floor(r.ts));
      model.tick(Math.floor(r.ts));
    }
  }
  p.flush();
  model.flush();
  if (sink instanceof NdjsonSink) sink.flush();
  return { lines, ref };
}

/** An event's answers as the pipeline gives them: flat, from the transaction. */
function learn(p: PassiveDns, ev: DnsEvent): void {
  p.learnAnswers(ev.ts, ev.answers.flatMap((x) => [x.name, x.type, x.data]), ev.blocked === true, ev.rcode);
}

function make(opts: { windowSec?: number; maxRecords?: number } = {}) {
  const out: PdnsEvent[] = [];
  const counters = new Counters();
  const p = new PassiveDns({ sensor: 'rtr1', counters, emit: (e) => out.push(e), ...opts });
  return { p, out, counters };
}

const chain = [
  { name: 'img.shop.test', type: 'CNAME', data: 'cdn.shop.test' },
  { name: 'cdn.shop.test', type: 'CNAME', data: 'www.shop.test' },
  { name: 'www.shop.test', type: 'A', data: '198.51.100.81' },
  { name: 'www.shop.test', type: 'A', data: '198.51.100.80' },
];

export const cases: Cases = {
  'aggregates repeated answers into one COF record with first/last/count': () => {
    const { p, out } = make();
    learn(p, fakeDns({ ts: 100.7 }));
    learn(p, fakeDns({ ts: 150.2, client: '192.0.2.11' }));
    learn(p, fakeDns({ ts: 120 }));
    p.flush();
    eq(out.length, 1);
    eq(JSON.stringify(out[0]), '{"type":"pdns","ts":150,"sensor":"rtr1","rrname":"www.shop.test","rrtype":"A","rdata":["198.51.100.80"],"time_first":100,"time_last":150,"count":3,"sensor_id":"rtr1"}');
  },
  'CNAME links become CNAME records; the rrset is sorted so rotation does not split it': () => {
    const { p, out } = make();
    learn(p, fakeDns({ qname: 'img.shop.test', answers: chain }));
    learn(p, fakeDns({ qname: 'img.shop.test', answers: [chain[0], chain[1], chain[3], chain[2]] }));
    p.flush();
    deepEq(out.map((r) => `${r.rrname} ${r.rrtype} ${r.rdata.join(',')} x${r.count}`), [
      'img.shop.test CNAME cdn.shop.test x2',
      'cdn.shop.test CNAME www.shop.test x2',
      'www.shop.test A 198.51.100.80,198.51.100.81 x2',
    ]);
  },
  'null data, blocked answers and errors are not recorded (counted)': () => {
    const { p, out, counters } = make();
    learn(p, fakeDns({ qtype: 'MX', answers: [{ name: 'shop.test', type: 'MX', data: null }] }));
    learn(p, fakeDns({ blocked: true, source: 'config', answers: [{ name: 'ads.test', type: 'A', data: '0.0.0.0' }] }));
    learn(p, fakeDns({ rcode: 'NXDOMAIN', answers: [] }));
    p.flush();
    eq(out.length, 0);
    eq(counters.get('pdns_rdata_unknown'), 1);
    eq(counters.get('pdns_skipped_blocked'), 1);
  },
  'windows end on tick; a full table flushes early without losing records': () => {
    const { p, out, counters } = make({ windowSec: 60, maxRecords: 2 });
    p.tick(1000);
    learn(p, fakeDns({ qname: 'a.test', answers: [{ name: 'a.test', type: 'A', data: '192.0.2.1' }] }));
    learn(p, fakeDns({ qname: 'b.test', answers: [{ name: 'b.test', type: 'A', data: '192.0.2.2' }] }));
    learn(p, fakeDns({ qname: 'c.test', answers: [{ name: 'c.test', type: 'A', data: '192.0.2.3' }] }));
    eq(out.length, 2, 'early flush of a and b');
    eq(counters.get('pdns_early_flush'), 1);
    p.tick(1059);
    eq(out.length, 2);
    p.tick(1060);
    eq(out.length, 3);
    eq(p.size(), 0);
  },
  'a (name, type) that comes back after another run is still one record': () => {
    const { p, out, counters } = make();
    learn(p, fakeDns({ answers: [
      { name: 'x.test', type: 'A', data: '192.0.2.2' },
      { name: 'x.test', type: 'MX', data: null },
      { name: 'x.test', type: 'A', data: '192.0.2.1' },
      { name: 'x.test', type: 'A', data: '192.0.2.2' },
    ] }));
    p.flush();
    deepEq(out.map((r) => `${r.rrname} ${r.rrtype} ${r.rdata.join(',')} x${r.count}`), ['x.test A 192.0.2.1,192.0.2.2 x1']);
    eq(counters.get('pdns_rdata_unknown'), 1);
  },
  'a NUL in a name stays in rrname (it used to split the grouping key there)': () => {
    const { p, out } = make();
    learn(p, fakeDns({ answers: [{ name: 'x\u0000y.test', type: 'A', data: '192.0.2.1' }] }));
    learn(p, fakeDns({ answers: [
      { name: 'x\u0000y.test', type: 'A', data: '192.0.2.2' },
      { name: 'a.test', type: 'A', data: '192.0.2.2' },
      { name: 'x\u0000y.test', type: 'A', data: '192.0.2.3' },
    ] }));
    p.flush();
    deepEq(out.map((r) => [r.rrname, r.rrtype, r.rdata.join(',')]), [
      ['x\u0000y.test', 'A', '192.0.2.1'],
      ['x\u0000y.test', 'A', '192.0.2.2,192.0.2.3'],
      ['a.test', 'A', '192.0.2.2'],
    ]);
  },
  'a NUL inside a value, the type or the name, a long name or type: records read back exactly': () => {
    const { p, out } = make();
    const long = 'n'.repeat(70000) + '.test';
    const type = 'T'.repeat(300);
    learn(p, fakeDns({ answers: [{ name: 'x.test', type: 'TXT', data: 'a\u0000b' }, { name: 'x.test', type: 'TXT', data: 'c' }] }));
    learn(p, fakeDns({ answers: [{ name: 'y.test', type: 'TXT', data: 'z\u0000' }] }));
    learn(p, fakeDns({ answers: [{ name: long, type: 'A', data: '192.0.2.1' }, { name: long, type: 'A', data: '192.0.2.2' }] }));
    learn(p, fakeDns({ answers: [{ name: 'w.test', type, data: 'v' }] }));
    learn(p, fakeDns({ answers: [{ name: 'x.test', type: 'TXT', data: 'c' }, { name: 'x.test', type: 'TXT', data: 'a\u0000b' }] }));
    learn(p, fakeDns({ answers: [{ name: 'v.test', type: 'T\u0000X', data: 'v' }, { name: 'v.test', type: 'T\u0000X', data: 'u' }] }));
    learn(p, fakeDns({ answers: [{ name: '\u0000a\u0000\u0000b\u0000', type: 'A', data: '192.0.2.9' }, { name: '\u0000a\u0000\u0000b\u0000', type: 'A', data: '' }] }));
    p.flush();
    deepEq(out.map((r) => [r.rrname, r.rrtype, r.rdata, r.count]), [
      ['x.test', 'TXT', ['a\u0000b', 'c'], 2],
      ['y.test', 'TXT', ['z\u0000'], 1],
      [long, 'A', ['192.0.2.1', '192.0.2.2'], 1],
      ['w.test', type, ['v'], 1],
      ['v.test', 'T\u0000X', ['u', 'v'], 1],
      ['\u0000a\u0000\u0000b\u0000', 'A', ['', '192.0.2.9'], 1],
    ]);
  },
  'more records than one step of room (4,096), and a flush when full: the reference\'s records and order': () => {
    for (const maxRecords of [5000, 9000]) {
      const a = make({ maxRecords });
      const outB: PdnsEvent[] = [];
      const b = new ReferencePassiveDns({ sensor: 'rtr1', counters: new Counters(), emit: (e) => outB.push(e), maxRecords });
      for (let i = 0; i < 12000; i++) {
        const k = (i * 7919) % 10007; // names come back, out of order
        const ev = fakeDns({ ts: 1000 + i / 3, answers: [{ name: `h${k % 6000}.test`, type: k % 3 === 0 ? 'AAAA' : 'A', data: `192.0.2.${k % 7}` }] });
        learn(a.p, ev);
        b.learn(ev);
      }
      a.p.flush();
      b.flush();
      eq(a.out.length, outB.length, `max ${maxRecords}: records`);
      ok(a.out.length > maxRecords, `max ${maxRecords}: early flush`);
      eq(JSON.stringify(a.out), JSON.stringify(outB), `max ${maxRecords}: the same records in the same order`);
    }
  },
  'times past int32 (2038 on), before 1970, not a number; room grown after: the reference\'s records': () => {
    const a = make({ maxRecords: 9000 });
    const outB: PdnsEvent[] = [];
    const b = new ReferencePassiveDns({ sensor: 'rtr1', counters: new Counters(), emit: (e) => outB.push(e), maxRecords: 9000 });
    const ev = (ts: number, k: number) => fakeDns({ ts, answers: [{ name: `h${k}.test`, type: 'A', data: `192.0.2.${k % 9}` }] });
    const evs = [ev(1000.5, 1), ev(1000, 2), ev(2 ** 31 - 1, 1), ev(2 ** 31 + 0.5, 2), ev(-5.5, 1), ev(NaN, 3), ev(5e9, 3), ev(-0.5, 4)];
    for (let k = 0; k < 5000; k++) evs.push(ev(4e9 + k, 100 + (k % 4500)));
    evs.push(ev(-5e9 - 0.5, 5), ev(-(2 ** 31) - 0.5, 6), ev(-(2 ** 31) + 0.5, 7), ev(2 ** 31 - 0.5, 8), ev(Infinity, 9), ev(-Infinity, 10));
    for (const e of evs) {
      learn(a.p, e);
      b.learn(e);
    }
    a.p.flush();
    b.flush();
    eq(a.out.length, 4510);
    eq(JSON.stringify(a.out), JSON.stringify(outB));
    deepEq([a.out[0].time_first, a.out[0].time_last, a.out[1].time_last, a.out[3].time_first], [-6, 2 ** 31 - 1, 2 ** 31, -1]);
    // each odd time as the first one past int32 (the table still Int32 when it comes)
    for (const odd of [-5e9 - 0.5, -(2 ** 31) - 0.5, -(2 ** 31) - 1, -(2 ** 31), 2 ** 31 - 0.5, 2 ** 31, 2 ** 32 - 0.5, -0, Infinity, NaN]) {
      const c = make();
      const outD: PdnsEvent[] = [];
      const d = new ReferencePassiveDns({ sensor: 'rtr1', counters: new Counters(), emit: (e) => outD.push(e) });
      for (const e of [ev(1000, 1), ev(odd, 1), ev(odd, 2), ev(1001.5, 2)]) {
        learn(c.p, e);
        d.learn(e);
      }
      c.p.flush();
      d.flush();
      eq(JSON.stringify(c.out), JSON.stringify(outD), `ts ${odd}`);
    }
  },
  'pipeline: pdns learns each transaction once, on the direct dns line path as on the event path, records in place and as the reference makes them from the events': ({ fixture }) => {
    for (const fx of FIXTURES) {
      for (const maxRecords of [2, 1000]) {
        const direct = pipelineLines(fixture(fx), true, maxRecords).lines;
        const events = pipelineLines(fixture(fx), false, maxRecords);
        ok(direct.some((l) => l.startsWith('{"type":"pdns"')), `${fx}: pdns lines`);
        deepEq(direct, events.lines, `${fx} max ${maxRecords}: the same lines in the same order`);
        deepEq(events.lines.filter((l) => l.startsWith('{"type":"pdns"')), events.ref, `${fx} max ${maxRecords}: the reference's records`);
      }
    }
  },
  'lines written from the table (NDJSON the only consumer) equal the event path\'s, hostile strings and odd times included': () => {
    const strs = ['a.test', 'a b', 'q"x', 'b\\s', '\u00e9.test', '\ud800', 'x\u0000y', '', '%41', '<t>', '\u2028', '\u0001', '198.51.100.7', '2001:db8::1'];
    for (const sensor of ['rtr1', 's"1']) {
      for (const times of [[1000, 1001, 1002.5], [1000, -3.5, 2 ** 31 + 7, NaN]]) {
        const run = (direct: boolean) => {
          const lines: string[] = [];
          const p = new PassiveDns({ sensor, counters: new Counters(), emit: (e) => lines.push(encodeNdjson(e)) });
          if (direct) p.lines_ = { emitLine: (type, l) => lines.push(type === 'pdns' ? l : `type ${type}`) };
          const rnd = seeded(times.length);
          const pick = <T>(a: T[]): T => a[Math.floor(rnd() * a.length)];
          for (let i = 0; i < 600; i++) {
            const name = pick(strs) + (i % 7);
            const type = rnd() < 0.8 ? pick(['A', 'AAAA', 'CNAME']) : pick(strs);
            const answers: DnsAnswer[] = [];
            for (let k = Math.floor(rnd() * 4); k >= 0; k--) answers.push({ name, type, data: rnd() < 0.7 ? pick(strs.slice(10)) : pick(strs) });
            learn(p, fakeDns({ ts: i < 500 ? times[0] + i / 50 : pick(times), answers }));
          }
          // where a clean record's part lengths no longer fit its packed number (lengths and counts at the edges)
          const many = (n: number) => Array.from({ length: n }, (_, k) => ({ name: 'm.test', type: 'TXT', data: `v${n}.${k}` }));
          for (const n of [32767, 32768, 70000]) learn(p, fakeDns({ ts: 1000, answers: [{ name: 'n'.repeat(n), type: 'A', data: '192.0.2.1' }] }));
          for (const n of [255, 256]) learn(p, fakeDns({ ts: 1000, answers: [{ name: 't.test', type: 'T'.repeat(n), data: 'v' }] }));
          for (const n of [255, 256, 300]) learn(p, fakeDns({ ts: 1000, answers: many(n) }));
          p.flush();
          return lines;
        };
        const direct = run(true);
        ok(direct.length > 300, 'records');
        deepEq(direct, run(false), `sensor ${sensor}, times ${times.join(',')}`);
      }
    }
  },
  'a sink that fails on a written line: counted, the other records still go out': () => {
    const counters = new Counters();
    const lines: string[] = [];
    const p = new PassiveDns({ sensor: 'rtr1', counters, emit: () => lines.push('event') });
    p.lines_ = {
      emitLine: (_t, l) => {
        if (lines.length === 0) {
          lines.push('failed');
          throw new Error('disk full');
        }
        lines.push(l);
      },
    };
    learn(p, fakeDns({ qname: 'a.test', answers: [{ name: 'a.test', type: 'A', data: '192.0.2.1' }] }));
    learn(p, fakeDns({ qname: 'b.test', answers: [{ name: 'b.test', type: 'A', data: '192.0.2.2' }] }));
    p.flush();
    eq(lines.length, 2);
    ok(lines[1].includes('"rrname":"b.test"'), lines[1]);
    eq(counters.dropped('sink_error_pdns'), 1);
  },
  'seeded differential fuzz: the same records, order and counters as the reference model': () => {
    for (let seed = 1; seed <= 20; seed++) {
      const rnd = seeded(seed);
      const pick = <T>(a: T[]): T => a[Math.floor(rnd() * a.length)];
      // No NUL in names: the reference split "name\0type" at the first NUL (see the case above).
      const names = ['a.test', 'b.test', 'c.test', 'cdn.test', 'x.y.test'];
      const types = ['A', 'AAAA', 'CNAME', 'MX', 'TXT'];
      const datas = ['192.0.2.1', '192.0.2.2', '192.0.2.3', 'b.test', '', 'z\u0000'];
      const maxRecords = 1 + Math.floor(rnd() * 12);
      const a = make({ maxRecords, windowSec: 30 });
      const outB: PdnsEvent[] = [];
      const cB = new Counters();
      const b = new ReferencePassiveDns({ sensor: 'rtr1', counters: cB, emit: (e) => outB.push(e), maxRecords, windowSec: 30 });
      let ts = 1000;
      for (let i = 0; i < 300; i++) {
        ts += rnd() * 3;
        const answers: DnsAnswer[] = [];
        const n = Math.floor(rnd() * 7);
        for (let k = 0; k < n; k++) {
          // Mostly runs (repeat the previous name and type), sometimes anything.
          const prev = answers[k - 1];
          const run = prev !== undefined && rnd() < 0.6;
          answers.push({
            name: run ? prev.name : pick(names),
            type: run ? prev.type : pick(types),
            data: rnd() < 0.1 ? null : pick(datas),
          });
        }
        const ev = fakeDns({ ts, answers });
        if (rnd() < 0.05) ev.blocked = true;
        if (rnd() < 0.05) ev.rcode = 'SERVFAIL';
        if (rnd() < 0.05) delete ev.rcode;
        learn(a.p, ev);
        b.learn(ev);
        if (rnd() < 0.1) {
          a.p.tick(Math.floor(ts));
          b.tick(Math.floor(ts));
        }
        eq(a.p.size(), b.size(), `seed ${seed} event ${i}: size`);
      }
      a.p.flush();
      b.flush();
      eq(JSON.stringify(a.out), JSON.stringify(outB), `seed ${seed}: records`);
      deepEq(a.counters.snapshot(), cB.snapshot(), `seed ${seed}: counters`);
      ok(a.out.length > 10, `seed ${seed}: the fuzz made records`);
    }
  },
};
