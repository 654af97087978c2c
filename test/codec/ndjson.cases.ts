// The hand-written dns/pdns writers against JSON.stringify where their memos could go wrong:
// memo keys that are special in JS objects, the memos filling up and emptying mid-stream, a
// hostile value arriving after the same text was seen clean, answer runs. (The fixtures, the
// fuzz of every field and the transaction path are in test/pipeline/transactions.cases.ts.)
import type { Cases } from '../support/cases';
import { eq, seeded } from '../support/check';
import type { DnsEvent, PdnsEvent } from '../../src/events';
import { encodeDnsLine, encodeNdjson, type DnsLineSource } from '../../src/codec/ndjson';
import { buildDnsEvent } from '../../src/pipeline/dns-event';
import type { Transaction } from '../../src/pipeline/dns-transaction';

const SPECIAL = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '0', '42', '4294967295', '-1', '1e3', '', ' ', 'NaN'];
const HOSTILE = ['"', '\\', '\u0000', '\u001f', '\u007f', '\ud800', '\udc00x', 'é', '\u2028', '%', '<a b>', 'a"b', 'x\\"y'];

function line(t: DnsLineSource, sensor = 'lab', dev?: { mac?: string; hostname?: string }): void {
  const text = encodeDnsLine(t, sensor, dev);
  const ev = buildDnsEvent(t as Transaction, sensor, () => dev);
  eq(text, JSON.stringify(ev), JSON.stringify(t));
  eq(encodeNdjson(ev), text, 'event path');
}

function tx(over: Partial<DnsLineSource>): DnsLineSource {
  return {
    ts: 1795334400, client: '192.0.2.10', clientPort: 5353, qname: 'a.test', qtype: 'A', source: 'forwarded',
    upstream: '198.51.100.53', rcode: 'NOERROR', ans: [], blocked: false, serial: 1, answered: true, ...over,
  };
}

export const cases: Cases = {
  'memo keys special to JS objects, in every memoised field, twice each': () => {
    for (let round = 0; round < 2; round++) {
      for (const v of SPECIAL) {
        line(tx({ client: v, qname: v, upstream: v, ans: [v, 'A', v, v, 'A', '192.0.2.1', v, v, v] }), v === '' ? 'lab' : v);
        line(tx({ client: v, source: 'cached', upstream: undefined, rcode: v, qtype: v, ans: [v, 'CNAME', 'x', 'x', 'AAAA', v] }));
      }
    }
  },

  'a value seen clean, then hostile in the same field, then clean again': () => {
    for (const h of HOSTILE) {
      line(tx({ ans: ['a.test', 'A', '192.0.2.1', 'a.test', 'A', '192.0.2.2'] }));
      line(tx({ client: h, qname: h, upstream: h, ans: ['a.test', 'A', h, 'a.test', 'A', '192.0.2.3', h, 'AAAA', h, h, 'AAAA', null] }));
      line(tx({ qname: 'a.test' + h, ans: ['a.test' + h, 'A', '192.0.2.4', 'a.test' + h, 'A', h, 'a.test' + h, 'A', '192.0.2.5'] }));
      line(tx({ ans: ['a.test', 'A', '192.0.2.1', 'a.test', 'A', '192.0.2.2'] }));
    }
  },

  'the memos fill up and are emptied mid-stream: every line stays exact': () => {
    const rnd = seeded(21);
    for (let i = 0; i < 9000; i++) {
      const k = Math.floor(rnd() * 5000);
      const h = rnd() < 0.05 ? HOSTILE[i % HOSTILE.length] : '';
      const name = `n${k}${h}.test`;
      line(tx({
        ts: 1795334400 + (i >> 4), client: `192.0.2.${k % 250}`, clientPort: i, qname: name, qtype: i % 3 === 0 ? 'AAAA' : 'A',
        upstream: i % 4 === 0 ? undefined : `198.51.100.${k % 7}#${k}`, source: i % 4 === 0 ? 'cached' : 'forwarded',
        ans: i % 5 === 0 ? [] : [name, 'CNAME', `c${k}.test`, `c${k}.test`, 'A', `203.0.113.${k % 256}`, `c${k}.test`, 'A', h === '' ? '203.0.113.1' : h],
        serial: i,
      }));
    }
  },

  'answer runs: null data, open and closed answers in every order, other types': () => {
    const datas = [null, '192.0.2.1', '"', 'b.test'];
    const types = ['A', 'AAAA', 'CNAME', 'TXT', 'TYPE65'];
    for (let m = 0; m < 4 ** 4; m++) {
      const ans: (string | null)[] = [];
      for (let k = 0, x = m; k < 4; k++, x >>= 2) ans.push(x & 1 ? 'b.test' : 'a.test', types[(m + k) % types.length], datas[x & 3]);
      line(tx({ ans, serial: m % 7 === 0 ? -1 : m, answered: m % 11 !== 0, blocked: m % 13 === 0 }));
    }
  },

  'lease data: mac, hostname, both or neither, with or without a client port': () => {
    const devs = [undefined, {}, { mac: '02:00:5e:10:00:0a' }, { hostname: 'laptop"anna' }, { mac: 'm\\', hostname: 'h' }];
    for (const dev of devs) {
      line(tx({}), 'lab', dev);
      line(tx({ clientPort: undefined }), 'lab', dev);
      line(tx({ client: undefined, clientPort: undefined }), 'lab', dev);
    }
  },

  'CNAME chains: the target names the next answers, clean or hostile': () => {
    for (const target of ['c.test', ...HOSTILE.map((h) => 'c' + h)]) {
      line(tx({ ans: ['a.test', 'CNAME', target, target, 'A', '192.0.2.1', target, 'A', '192.0.2.2'] }));
      line(tx({ ans: ['a.test', 'CNAME', target, target, 'CNAME', 'd.test', 'd.test', 'AAAA', '2001:db8::1'] }));
    }
  },

  'events a transaction never gives: blocked false, complete true, ports or devices without a client, negative ids': () => {
    const evs: DnsEvent[] = [
      { type: 'dns', ts: 1, sensor: 's', qname: 'q', qtype: 'A', answers: [], blocked: false, complete: true },
      { type: 'dns', ts: 1, sensor: 's', client_port: 5, mac: 'm', hostname: 'h', qname: 'q', qtype: 'A', upstream: 'u', answers: [] },
      { type: 'dns', ts: 1.25, sensor: 's', client: 'c', qname: 'q', qtype: 'A', answers: [{ name: 'q', type: 'A', data: null }], id: -1 },
    ];
    for (const ev of evs) eq(encodeNdjson(ev), JSON.stringify(ev));
  },

  'pdns lines with special and hostile strings equal JSON.stringify': () => {
    for (const v of [...SPECIAL, ...HOSTILE]) {
      const ev: PdnsEvent = {
        type: 'pdns', ts: 1, sensor: v, rrname: v, rrtype: v, rdata: [v, 'x'], time_first: 0, time_last: 1, count: 2, sensor_id: v, bailiwick: v,
      };
      eq(encodeNdjson(ev), JSON.stringify(ev), JSON.stringify(v));
    }
  },

  'pdns lines as PassiveDns makes them (the grouping-key writer) and near misses equal JSON.stringify': () => {
    const base: PdnsEvent = {
      type: 'pdns', ts: 1795327260, sensor: 'rtr1', rrname: 'www.shop.test', rrtype: 'A', rdata: ['198.51.100.80'],
      time_first: 1795327200, time_last: 1795327260, count: 3, sensor_id: 'rtr1',
    };
    const shapes: Partial<PdnsEvent>[] = [
      {}, { rdata: ['198.51.100.80', '198.51.100.81', '2001:db8::1'] }, { rrtype: 'CNAME', rdata: ['cdn.shop.test'] }, { rdata: [] },
      { rdata: [''] }, { rrname: '', rdata: ['', ''] }, { ts: 2 ** 40, time_first: -1, time_last: 2 ** 40 }, { ts: 5 }, { sensor_id: 'other' }, { sensor: 's2', sensor_id: 's2' },
    ];
    for (const v of [...SPECIAL, ...HOSTILE, 'plain.test']) {
      shapes.push({ rrname: v }, { rrtype: v }, { rdata: [v] }, { rdata: ['a', v, 'b'] }, { sensor: v, sensor_id: v });
    }
    for (const shape of shapes) {
      const ev: PdnsEvent = { ...base, ...shape };
      eq(encodeNdjson(ev), JSON.stringify(ev), JSON.stringify(shape));
    }
  },
};
