import type { Cases } from '../support/cases';
import type { PdnsEvent } from '../../src/events';
import { eq, deepEq, ok } from '../support/check';
import { Counters } from '../../src/counters';
import { PassiveDns } from '../../src/pipeline/pdns';
import { fakeDns } from './factories';
import { ReferencePassiveDns } from './pdns.reference';
import { seeded } from '../support/check';
import type { DnsAnswer } from '../../src/events';

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
    p.learn(fakeDns({ ts: 100.7 }));
    p.learn(fakeDns({ ts: 150.2, client: '192.0.2.11' }));
    p.learn(fakeDns({ ts: 120 }));
    p.flush();
    eq(out.length, 1);
    eq(JSON.stringify(out[0]), '{"type":"pdns","ts":150,"sensor":"rtr1","rrname":"www.shop.test","rrtype":"A","rdata":["198.51.100.80"],"time_first":100,"time_last":150,"count":3,"sensor_id":"rtr1"}');
  },
  'CNAME links become CNAME records; the rrset is sorted so rotation does not split it': () => {
    const { p, out } = make();
    p.learn(fakeDns({ qname: 'img.shop.test', answers: chain }));
    p.learn(fakeDns({ qname: 'img.shop.test', answers: [chain[0], chain[1], chain[3], chain[2]] }));
    p.flush();
    deepEq(out.map((r) => `${r.rrname} ${r.rrtype} ${r.rdata.join(',')} x${r.count}`), [
      'img.shop.test CNAME cdn.shop.test x2',
      'cdn.shop.test CNAME www.shop.test x2',
      'www.shop.test A 198.51.100.80,198.51.100.81 x2',
    ]);
  },
  'null data, blocked answers and errors are not recorded (counted)': () => {
    const { p, out, counters } = make();
    p.learn(fakeDns({ qtype: 'MX', answers: [{ name: 'shop.test', type: 'MX', data: null }] }));
    p.learn(fakeDns({ blocked: true, source: 'config', answers: [{ name: 'ads.test', type: 'A', data: '0.0.0.0' }] }));
    p.learn(fakeDns({ rcode: 'NXDOMAIN', answers: [] }));
    p.flush();
    eq(out.length, 0);
    eq(counters.get('pdns_rdata_unknown'), 1);
    eq(counters.get('pdns_skipped_blocked'), 1);
  },
  'windows end on tick; a full table flushes early without losing records': () => {
    const { p, out, counters } = make({ windowSec: 60, maxRecords: 2 });
    p.tick(1000);
    p.learn(fakeDns({ qname: 'a.test', answers: [{ name: 'a.test', type: 'A', data: '192.0.2.1' }] }));
    p.learn(fakeDns({ qname: 'b.test', answers: [{ name: 'b.test', type: 'A', data: '192.0.2.2' }] }));
    p.learn(fakeDns({ qname: 'c.test', answers: [{ name: 'c.test', type: 'A', data: '192.0.2.3' }] }));
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
    p.learn(fakeDns({ answers: [
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
    p.learn(fakeDns({ answers: [{ name: 'x\u0000y.test', type: 'A', data: '192.0.2.1' }] }));
    p.learn(fakeDns({ answers: [
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
        a.p.learn(ev);
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
