import type { Cases } from '../support/cases';
import type { DnsEvent, NetEvent } from '../../src/events';
import { eq, ok, throws, seeded } from '../support/check';
import { Counters } from '../../src/counters';
import { DnsmasqLineParser } from '../../src/sources/dnsmasq/parser';
import { TransactionAssembler } from '../../src/pipeline/transactions';
import { encodeBatch, decodeBatch, BatchError } from '../../src/codec/batch';
import { CborError, toHex, fromHex, encode } from '../../src/codec/cbor';
import { ipBytes, ipText } from '../../src/codec/ipbytes';
import { pack, unpack, widthFor } from '../../src/codec/wire';
import { fakeFlow } from '../pipeline/factories';
import { dnsCorpus } from './corpus';

const LOG = 'lab-basic/dnsmasq-extra.log';
const HDR = { sensor: 'rtr1', boot: 'b00t', seq: 7, stream: 'dns' };

/** The fixture's queries through the real parser and assembler, as replay would see them. */
function fixtureEvents(log: string): DnsEvent[] {
  const counters = new Counters();
  const parser = new DnsmasqLineParser({ counters, year: 2025 });
  const out: DnsEvent[] = [];
  const asm = new TransactionAssembler({ counters, sensor: 'rtr1', emit: (e) => out.push(e) });
  for (const line of log.split('\n')) {
    const rec = parser.parse(line);
    if (rec) asm.push(rec);
  }
  asm.flush();
  return out;
}

const ndjson = (evs: unknown[]) => evs.map((e) => JSON.stringify(e)).join('\n');

function sameLines(evs: NetEvent[], what: string): Uint8Array {
  const b = encodeBatch({ ...HDR, events: evs });
  const d = decodeBatch(b);
  eq(ndjson(d.events), ndjson(evs), what);
  return b;
}

export const cases: Cases = {
  'fixture dns events decode to the identical NDJSON lines': ({ fixture }) => {
    const evs = fixtureEvents(fixture(LOG));
    ok(evs.length >= 15, `fixture gave ${evs.length} events`);
    const b = sameLines(evs, 'all fixture events');
    const d = decodeBatch(b);
    eq(JSON.stringify([d.v, d.sensor, d.boot, d.seq, d.stream]), '[1,"rtr1","b00t",7,"dns"]', 'header');
    // one at a time too: single-value columns, zero-width indexes
    for (const ev of evs) sameLines([ev], `alone: ${JSON.stringify(ev)}`);
  },
  'timestamps come back as the identical doubles (ms, µs, irregular, negative)': () => {
    const base = fakeFlow();
    const ts = [1763855132.123, 1763855132.1234567, 1763855133.3739998, 0.1 + 0.2, 1763855132, -5.5, 1e-7, 1763855132.999999];
    sameLines(ts.map((t) => ({ ...base, ts: t })), 'mixed precision');
    sameLines([1.001, 1.002, 1.003].map((t) => ({ ...base, ts: t })), 'ms');
    sameLines([1.000001, 1.5, 2].map((t) => ({ ...base, ts: t })), 'µs');
  },
  'unknown fields, nested objects, odd values and key orders survive': () => {
    const evs = [
      { type: 'dns', ts: 1, sensor: 's', qname: 'a', future_field: { x: [1, 2.5, null, true, 'é'] }, qtype: 'A', answers: [] },
      { sensor: 's', type: 'dns', ts: 2, qname: 'b', qtype: 'A', answers: [{ name: 'b', type: 'MX', data: null }] },
      { type: 'health', ts: 3, sensor: 's', counters: { a: 1, '10': 2 }, watched: { dnsmasq: 1024 }, load1: 0.42 },
      { type: 'alert', ts: 4, sensor: 's', kind: 'ioc_domain', event: { type: 'dns', ts: 3.9, sensor: 's', qname: 'x.evil.test' } },
      { type: 'pdns', ts: 5, sensor: 's', rrname: 'a', rrtype: 'A', rdata: ['192.0.2.1', '192.0.2.2'], time_first: 1, time_last: 5, count: 3, sensor_id: 's' },
      { type: 'flow', ts: 6, sensor: 's', proto: 'tcp', orig_h: '::ffff:192.0.2.1', resp_h: '2001:DB8::1', mixed: 'x', big: 2 ** 52 + 1 },
      { type: 'flow', ts: 7, sensor: 's', proto: 'tcp', orig_h: '192.0.2.01', resp_h: '2001:db8:0:0:0:0:0:1', mixed: 5, undef: undefined },
      { type: 'status', ts: 8, sensor: 's', state: 'online', capabilities: ['dns', 'flow'] },
      { type: 'x', ts: 9, sensor: 's', '__proto__': 'p' },
    ] as unknown as NetEvent[];
    Object.defineProperty(evs[8], '__proto__', { value: 'p', enumerable: true, configurable: true, writable: true });
    sameLines(evs, 'mixed bag');
  },
  'dns answers: shared lists, CNAME chains, null data': () => {
    const evs = dnsCorpus(5, 300);
    sameLines(evs, 'corpus');
  },
  'lists that start alike but differ, and lists that turn the column plain, come back exactly': () => {
    // Lists are found by their first value and compared value by value: share heads on purpose.
    const rnd = seeded(31);
    const pick = <T>(a: T[]): T => a[Math.floor(rnd() * a.length)];
    const names = ['a.test', 'b.test', 'cdn.b.test'];
    const rec = () => ({ name: pick(names), type: pick(['A', 'AAAA', 'CNAME']), data: rnd() < 0.2 ? null : pick(['192.0.2.1', '192.0.2.2', 'cdn.b.test']) });
    for (let round = 0; round < 40; round++) {
      const odd = round % 4; // 0: records only, 1: + lists of strings, 2: + odd records, 3: + non-lists
      const evs = Array.from({ length: 1 + Math.floor(rnd() * 60) }, (_, i) => {
        let answers: unknown = Array.from({ length: Math.floor(rnd() * 4) }, rec);
        const r = rnd();
        if (odd === 1 && r < 0.1) answers = [pick(names), pick(names)];
        if (odd === 2 && r < 0.05) answers = [{ type: 'A', name: 'a.test', data: '192.0.2.1' }];
        if (odd === 2 && r >= 0.05 && r < 0.1) answers = [{ name: 'a.test', type: 'A', data: 7 }];
        if (odd === 2 && r >= 0.1 && r < 0.12) answers = [{ name: 'a.test', type: 'A', data: 'x', ttl: 'y' }];
        if (odd === 3 && r < 0.05) answers = 'a.test';
        return { type: 'dns', ts: 1763855132 + i / 4, sensor: 's', qname: 'q', answers } as unknown as NetEvent;
      });
      sameLines(evs, `round ${round}`);
    }
  },
  'bytes per dns event on the generated corpus stay under the bound': () => {
    // Batches of 500 realistic dns events: measured 23.5 B/event (docs/performance.md).
    const evs = dnsCorpus(42, 5000);
    let bytes = 0;
    for (let i = 0; i < evs.length; i += 500) bytes += encodeBatch({ ...HDR, seq: i, events: evs.slice(i, i + 500) }).length;
    const per = bytes / evs.length;
    ok(per <= 25, `${per.toFixed(1)} bytes/event > 25`);
  },
  'ip addresses travel as bytes only when the text comes back exactly': () => {
    for (const s of ['192.0.2.1', '0.0.0.0', '255.255.255.255', '2001:db8::1', '::', '::1', 'fe80::1:2', '2001:db8:0:1:1:1:1:1', '1::']) {
      const b = ipBytes(s);
      ok(b !== null, `${s} as bytes`);
      eq(ipText(b as Uint8Array), s);
    }
    for (const s of ['192.0.2.01', '1.2.3', '1.2.3.4.5', '256.1.1.1', '2001:DB8::1', '2001:db8:0:0:0:0:0:1', '::ffff:1.2.3.4',
      '::ffff:102:304', '2001:db8::0:1', '1:2:3:4:5:6:7:8:9', ':::', '1::2::3', 'a.b', '', '2001:db8::1%eth0']) eq(ipBytes(s), null, s);
  },
  'packed indexes round trip at every width': () => {
    const rnd = seeded(1);
    for (let size = 1; size < 70000; size = size * 3 + 1) {
      const idx = Array.from({ length: 37 }, () => Math.floor(rnd() * size));
      eq(unpack(pack(idx, size), idx.length, size, 't').join(), idx.join(), `size ${size}`);
      eq(pack(idx, size).length, Math.ceil((idx.length * widthFor(size)) / 8), `size ${size}: bytes`);
    }
  },
  'malformed batches fail with BatchError or CborError, never anything else': () => {
    const good = encodeBatch({ ...HDR, events: dnsCorpus(9, 40) });
    throws(() => decodeBatch(encode({ v: 1 })), 'missing header field sensor');
    throws(() => decodeBatch(encode({ v: 2 })), 'unsupported version 2');
    throws(() => decodeBatch(encode({ v: 2, sensor: 's', boot: 'b', seq: 1, stream: 'd', n: 0, strs: [], cols: [], shapes: [], shape: new Uint8Array(0) })), 'unsupported version 2');
    throws(() => decodeBatch(encode([1])), 'expected a map');
    throws(() => decodeBatch(new Uint8Array([...good, 0])), 'trailing bytes');
    const hdr = { v: 1, sensor: 's', boot: 'b', seq: 1, stream: 'd', n: 1, strs: [], cols: [['k', 0, [1]]], shapes: [[0]], shape: new Uint8Array(0) };
    decodeBatch(encode(hdr));
    throws(() => decodeBatch(encode({ ...hdr, seq: 'x' })), 'batch: seq is not a number');
    throws(() => decodeBatch(encode({ ...hdr, boot: 1 })), 'batch: boot is not a string');
    throws(() => decodeBatch(encode({ ...hdr, n: 1.5 })), 'batch: n is not a count');
    throws(() => decodeBatch(encode({ ...hdr, shapes: 3 })), 'batch: shapes is not an array');
    throws(() => decodeBatch(encode({ ...hdr, shape: [] })), 'batch: shape is not a byte string');
    for (const ci of [0.5, '0', -1, 1, null]) throws(() => decodeBatch(encode({ ...hdr, shapes: [[ci]] })), `shape names column ${String(ci)} of 1`);
    const B = (...b: number[]) => new Uint8Array(b);
    for (const [col, msg] of [
      [['k', 0, [1, 2]], 'batch: column k: expected 1 values'], [['k', 1, -1], 'column k: item 2 is not a count'],
      [['k', 1, 1, 'x'], 'column k: item 3 is not a byte string'], [['k', 2, 1, 0, B(0)], 'column k: scale 1'],
      [['k', 2, 0, 'x', B(0)], 'column k: item 3 is not a number'], [['k', 2, 0, 0, B(0x80)], 'column k: integer runs past the end'],
      [['k', 2, 0, 0], 'column k: item 4 is not a byte string'], [['k', 3, [], [1], B(), B()], 'column k: records without keys'],
      [['k', 3, 5, [1]], 'column k: item 2 is not null or an array'], [['k', 3, null, [0.5], B(), B()], 'column k: item 3[0] is not a count'],
      [['k', 3, null, [1], B(0), B(0)], 'column k: null in a list of strings'], [['k', 4, 7], 'column k: item 2 is not an array'],
      [['k', 4, [1, 2], B()], 'column k: item 3: 0 bytes cannot hold 1 indexes'], [['k', 9], 'column k: unknown kind 9'], [['k', '1', 0, B(), B()], 'column k: unknown kind 1'],
      [['k', 2, 0, 0, B(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 1)], 'column k: integer longer than 53 bits'], [[1], 'column 0 has no key'],
    ] as [unknown[], string][]) throws(() => decodeBatch(encode({ ...hdr, cols: [col] })), msg, msg);
    // a list column of records and of strings, decoded by hand
    const lists = decodeBatch(encode({ ...hdr, n: 2, strs: ['a', 'b'], cols: [['k', 3, ['x', 'y'], [1, 0], B(0b1000), B(0b01)]], shape: B(0) }));
    eq(JSON.stringify(lists.events), '[{"k":[]},{"k":[{"x":"a","y":null}]}]');
    const rnd = seeded(77);
    for (let i = 0; i < 3000; i++) {
      const b = good.slice(0, 1 + Math.floor(rnd() * good.length));
      for (let k = 0; k < 1 + Math.floor(rnd() * 3); k++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
      try {
        decodeBatch(b);
      } catch (e) {
        if (!(e instanceof BatchError || e instanceof CborError)) throw new Error(`${toHex(b).slice(0, 80)}…: ${(e as Error).name}: ${(e as Error).message}`);
      }
    }
  },
  'hostile counts are a BatchError, not n empty events (n and width-0 index arrays at most 65,536, decoded values at most 4,194,304)': () => {
    const B = (...b: number[]) => new Uint8Array(b);
    const hdr = { v: 1, sensor: 's', boot: 'b', seq: 1, stream: 'd', n: 1, strs: [], cols: [], shapes: [[]], shape: B() };
    // one shape (width 0): no byte of the batch grows with n
    eq(decodeBatch(encode({ ...hdr, n: 65536 })).events.length, 65536, 'at the limit');
    for (const n of [65537, 2 ** 32, 2 ** 53 - 1, 2 ** 64]) throws(() => decodeBatch(encode({ ...hdr, n })), `batch: n is ${n}, over 65536`, `n ${n}`);
    // counts inside columns read from width-0 index arrays: a dictionary of a 1-entry table, records of nulls only
    for (const [col, msg] of [
      [['k', 1, 65537, B(), B()], 'batch: column k: item 3: 65537 indexes over 65536'],
      [['k', 1, 2 ** 40, B(), B()], `batch: column k: item 3: ${2 ** 40} indexes over 65536`],
      [['k', 3, ['x'], [2 ** 40], B(), B()], `batch: column k: item 4: ${2 ** 40} indexes over 65536`],
      [['k', 3, ['x', 'y'], [40000], B(), B()], 'batch: column k: item 4: 80000 indexes over 65536'],
    ] as [unknown[], string][]) throws(() => decodeBatch(encode({ ...hdr, strs: ['a'].slice(0, col[1] === 1 ? 1 : 0), cols: [col], shapes: [[0]] })), msg, msg);
    // few bytes, many decoded values: one list of 65,536 null records copied into each of 65,536
    // events, or 65,536 events whose one shape names a column 100 times (decoded values are capped)
    throws(() => decodeBatch(encode({ ...hdr, n: 65536, cols: [['k', 3, ['x'], [65536], B(), B()]], shapes: [[0]] })), 'batch: column k: over 4194304 values', 'copied lists');
    throws(() => decodeBatch(encode({ ...hdr, n: 65536, cols: [['k', 4, [1], B()]], shapes: [new Array(100).fill(0)] })), 'batch: events: over 4194304 values', 'long shape');
    eq(decodeBatch(encode({ ...hdr, n: 63, cols: [['k', 3, ['x'], [65536], B(), B()]], shapes: [[0]] })).events.length, 63, 'under the cap (63 keys + 63 * 65,536 entries)');
    // a legitimate width-0 list column still decodes
    eq(JSON.stringify(decodeBatch(encode({ ...hdr, n: 2, cols: [['k', 3, ['x'], [2], B(), B()]], shapes: [[0]] })).events), '[{"k":[{"x":null},{"x":null}]},{"k":[{"x":null},{"x":null}]}]');
  },
  'the worked example of docs/wire-format.md': () => {
    const ev = {
      type: 'dns', ts: 1763855132.5, sensor: 'rtr1', client: '192.0.2.10', qname: 'www.shop.test', qtype: 'A',
      rcode: 'NOERROR', answers: [{ name: 'www.shop.test', type: 'A', data: '198.51.100.80' }],
    } as DnsEvent;
    const b = encodeBatch({ sensor: 'rtr1', boot: 'b1', seq: 0, stream: 'dns', events: [ev, { ...ev, ts: 1763855133.25 }] });
    eq(toHex(b), WORKED_HEX, 'bytes of the documented example');
    eq(ndjson(decodeBatch(fromHex(WORKED_HEX) as Uint8Array).events), ndjson([ev, { ...ev, ts: 1763855133.25 }]));
  },
};

export const WORKED_HEX = 'aa6176016673656e736f72647274723164626f6f7462623163736571006673747265616d63646e73616e0264737472738763646e73647274723144c000020a6d7777772e73686f702e746573746141674e4f4552524f5244c633645064636f6c738885647479706501014100408562747302031b0000019aadf567544300dc0b856673656e736f7201014101408566636c69656e7401014102408565716e616d650101410340856571747970650101410440856572636f646501014105408667616e73776572730383646e616d6564747970656464617461810142a30140667368617065738188000102030405060765736861706540';
