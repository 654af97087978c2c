import type { Cases } from '../support/cases';
import type { PdnsEvent } from '../../src/events';
import { eq, deepEq } from '../support/check';
import { Counters } from '../../src/counters';
import { PassiveDns } from '../../src/pipeline/pdns';
import { fakeDns } from './factories';

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
};
