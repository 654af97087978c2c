import type { Cases } from '../../support/cases';
import { deepEq, eq, ok, seeded } from '../../support/check';
import { Counters } from '../../../src/counters';
import { parseConntrackEvent, parseConntrackList } from '../../../src/sources/conntrack/parse';
import { compressPaddedIpv6 } from '../../../src/sources/conntrack/address';
import type { CtRecord } from '../../../src/sources/conntrack/record';

/** The original tuple, the zone ABSENT in a list line and 0 in /proc alike. */
const tupleKey = (r: CtRecord): string =>
  [r.protoNum, r.src, r.dst, r.sport, r.dport, r.icmpType, r.icmpCode, r.icmpId, r.zone < 0 ? 0 : r.zone].join(' ');

const EVENTS = 'lab-basic/conntrack-events.txt';
const LIST = 'lab-basic/conntrack-list.txt';
const PROC = 'lab-basic/nf_conntrack.snapshot';

function lines(text: string): string[] {
  const l = text.split('\n');
  if (l[l.length - 1] === '') l.pop();
  return l;
}

function total(c: Counters): number {
  const s = c.snapshot();
  let n = 0;
  for (const k in s.dropped) n += s.dropped[k];
  return n + c.get('conntrack.ignored');
}

function one(line: string, list = false): CtRecord {
  const c = new Counters();
  const r = list ? parseConntrackList(line, c) : parseConntrackEvent(line, c);
  if (r === null) throw new Error(`refused: ${JSON.stringify(c.snapshot())} ${line}`);
  return r;
}

// Lines synthesised from the printers' formats (libnetfilter_conntrack snprintf_default.c,
// kernel ct_seq_show) for what the lab capture does not hold.
const ICMP_NEW =
  '[1795391140.000001]\t    [NEW] ipv4     2 icmp     1 30 src=192.0.2.10 dst=198.51.100.80 type=8 code=0 id=4321 [UNREPLIED] src=198.51.100.80 dst=198.51.100.1 type=0 code=0 id=4321 id=123456';
const ICMPV6_DESTROY =
  '[1795391141.5]\t[DESTROY] ipv6     10 icmpv6   58 src=2001:db8:1::10 dst=2001:db8:2::80 type=128 code=0 id=77 packets=2 bytes=208 src=2001:db8:2::80 dst=2001:db8:1::10 type=129 code=0 id=77 packets=2 bytes=208 mark=0 delta-time=2 id=99';
const GRE_PROC =
  'ipv4     2 gre      47 179 src=192.0.2.10 dst=198.51.100.9 srckey=0x0 dstkey=0x1f packets=3 bytes=300 src=198.51.100.9 dst=198.51.100.1 srckey=0x1f dstkey=0x0 packets=2 bytes=200 [ASSURED] mark=0 zone=0 use=2';
const SCTP_LIST =
  'ipv4     2 sctp     132 431999 ESTABLISHED src=192.0.2.10 dst=198.51.100.80 sport=5000 dport=5001 packets=9 bytes=900 src=198.51.100.80 dst=198.51.100.1 sport=5001 dport=5000 packets=8 bytes=800 [ASSURED] mark=0 use=1 id=4242';
const UNKNOWN_PROC =
  'ipv4     2 unknown  50 599 src=192.0.2.10 dst=198.51.100.9 packets=1 bytes=100 src=198.51.100.9 dst=198.51.100.1 packets=1 bytes=120 mark=0 zone=0 use=2';
const OFFLOAD_PROC =
  'ipv4     2 tcp      6 ESTABLISHED src=192.0.2.10 dst=198.51.100.80 sport=40000 dport=443 packets=10 bytes=1000 src=198.51.100.80 dst=198.51.100.1 sport=443 dport=40000 packets=20 bytes=20000 [OFFLOAD] mark=0 zone=0 delta-time=60 use=2';
const HW_OFFLOAD_PROC = OFFLOAD_PROC.replace('[OFFLOAD]', '[HW_OFFLOAD]');
const MARK_ZONE_EVENT =
  '[1795391150.250000]\t [UPDATE] ipv4     2 udp      17 120 src=192.0.2.11 dst=198.51.100.53 sport=1234 dport=53 zone-orig=3 src=198.51.100.53 dst=198.51.100.1 sport=53 dport=1234 zone-reply=3 [ASSURED] mark=305419896 zone=3 id=77';
const PLAIN_LIST = 'tcp      6 431999 ESTABLISHED src=192.0.2.10 dst=198.51.100.80 sport=1 dport=2 src=198.51.100.80 dst=198.51.100.1 sport=2 dport=1 [ASSURED] mark=0 use=1';
const V6_PROC_ZEROS =
  'ipv6     10 tcp      6 7440 ESTABLISHED src=2001:0db8:0000:0000:0001:0000:0000:0001 dst=0000:0000:0000:0000:0000:ffff:c000:0201 sport=1 dport=2 packets=1 bytes=2 src=0000:0000:0000:0000:0000:ffff:c000:0201 dst=2001:0DB8:0000:0000:0001:0000:0000:0001 sport=2 dport=1 packets=1 bytes=2 [ASSURED] mark=0 zone=0 use=2';

export const cases: Cases = {
  'every line of the event fixture is parsed or ignored': (ctx) => {
    const c = new Counters();
    const all = lines(ctx.fixture(EVENTS));
    const kinds: Record<string, number> = {};
    let recs = 0;
    for (const l of all) {
      const r = parseConntrackEvent(l, c);
      if (r) {
        recs++;
        kinds[r.kind] = (kinds[r.kind] ?? 0) + 1;
        ok(r.ts > 1795391132 && r.ts < 1795391138, 'event time');
        ok(r.id > 0, 'ct id');
      }
    }
    eq(recs + total(c), all.length, 'every line accounted for');
    eq(c.get('conntrack.ignored'), 1, 'the summary line');
    deepEq(c.snapshot().dropped, {});
    eq(recs, 87, 'as the summary line says');
    deepEq(kinds, { NEW: 40, UPDATE: 46, DESTROY: 1 }, "as grep counts them");
  },

  'the refused IPv6 TCP DESTROY carries counters, delta-time and flags': (ctx) => {
    const l = lines(ctx.fixture(EVENTS)).find((x) => x.includes('[DESTROY]')) as string;
    deepEq(one(l), {
      kind: 'DESTROY', ts: 1795391135.79951, family: 6, protoName: 'tcp', protoNum: 6, state: 'CLOSE', timeout: 120,
      src: '2001:db8:1::10', dst: '2001:db8:2::80', sport: 35684, dport: 80, icmpType: -1, icmpCode: -1, icmpId: -1,
      rsrc: '2001:db8:2::80', rdst: '2001:db8:1::10', rsport: 80, rdport: 35684,
      origPkts: 1, origBytes: 80, replyPkts: 1, replyBytes: 60,
      unreplied: true, assured: false, offload: false, hwOffload: false, mark: -1, zone: -1, id: 3035411854, deltaTime: 0, partial: false,
    });
  },

  'NAT is visible in the reply tuple; ASSURED and TCP states': (ctx) => {
    const l = lines(ctx.fixture(EVENTS));
    const est = one(l.find((x) => x.includes('ESTABLISHED') && x.includes('dport=443')) as string);
    eq(est.state, 'ESTABLISHED');
    eq(est.timeout, 432000);
    eq(est.assured, true);
    eq(est.unreplied, false);
    eq(est.rdst, '198.51.100.1', 'masqueraded source');
    eq(est.rdport, 36996);
  },

  'every line of the list and /proc fixtures is parsed; both spell the same flows': (ctx) => {
    const c = new Counters();
    const keys: string[][] = [[], []];
    const files = [LIST, PROC];
    for (let f = 0; f < 2; f++) {
      const all = lines(ctx.fixture(files[f]));
      for (const l of all) {
        const r = parseConntrackList(l, c);
        ok(r !== null, `parsed: ${l}`);
        eq(r!.kind, 'SNAPSHOT');
        eq(r!.ts, -1);
        ok(r!.origBytes > 0 && r!.deltaTime >= 0 && r!.mark === 0, 'acct, timestamp, mark');
        if (f === 0) ok(r!.id > 0, 'list has ids');
        else eq(r!.id, -1, '/proc has no id');
        if (f === 1) eq(r!.zone, 0, '/proc prints zone');
        keys[f].push(tupleKey(r!));
      }
      eq(all.length, 31);
    }
    deepEq(keys[1].slice().sort(), keys[0].slice().sort(), 'same tuples, IPv6 normalised');
    deepEq(c.snapshot(), { counters: {}, dropped: {} });
  },

  'IPv6 in the zero-padded /proc spelling becomes RFC 5952': (ctx) => {
    const v6 = lines(ctx.fixture(PROC)).find((x) => x.startsWith('ipv6')) as string;
    const r = one(v6, true);
    eq(r.src, '2001:db8:1::10');
    eq(r.dst, '2001:db8:1::1');
    eq(r.rsrc, '2001:db8:1::1');
    const z = one(V6_PROC_ZEROS, true);
    eq(z.src, '2001:db8::1:0:0:1', 'first of two equal runs; lower case');
    eq(z.rdst, '2001:db8::1:0:0:1');
    eq(z.dst, '::ffff:192.0.2.1', 'IPv4-mapped as inet_ntop prints it');
    eq(compressPaddedIpv6('0000:0000:0000:0000:0000:0000:0000:0001'), '::1');
    eq(compressPaddedIpv6('0000:0000:0000:0000:0000:0000:0000:0000'), '::');
    eq(compressPaddedIpv6('2001:0db8:0000:0001:0001:0001:0001:0001'), '2001:db8:0:1:1:1:1:1', 'one zero group stays');
    eq(compressPaddedIpv6('fe80:0000:0000:0000:0000:0000:0000:0000'), 'fe80::');
    eq(compressPaddedIpv6('2001:0db8:0000:0000:0000:0000:c000:0201'), '2001:db8::c000:201');
    eq(compressPaddedIpv6('0000:0000:0000:0000:0000:0000:c000:0201'), '::192.0.2.1', 'IPv4-compatible');
    eq(compressPaddedIpv6('2001:0db8:zzzz:0000:0000:0000:0000:0001'), null);
    eq(one('[1.000000]\t    [NEW] ipv6     10 udp      17 30 src=2001:db8::1 dst=2001:db8::2 sport=1 dport=2 src=2001:db8::2 dst=2001:db8::1 sport=2 dport=1 id=5').src, '2001:db8::1', 'compressed passes through');
  },

  'icmp and icmpv6 tuples: type, code, id; the last id= is the conntrack id': () => {
    const r = one(ICMP_NEW);
    eq(r.protoName, 'icmp');
    eq(r.protoNum, 1);
    deepEq([r.icmpType, r.icmpCode, r.icmpId, r.id, r.sport, r.dport], [8, 0, 4321, 123456, -1, -1]);
    eq(r.unreplied, true);
    eq(r.ts, 1795391140.000001);
    const d = one(ICMPV6_DESTROY);
    deepEq([d.kind, d.family, d.protoName, d.protoNum, d.timeout], ['DESTROY', 6, 'icmpv6', 58, -1]);
    deepEq([d.icmpType, d.icmpCode, d.icmpId, d.id, d.deltaTime], [128, 0, 77, 99, 2]);
    deepEq([d.origPkts, d.origBytes, d.replyPkts, d.replyBytes], [2, 208, 2, 208]);
    eq(d.ts, 1795391141.5, 'a short fraction is read as written');
  },

  'gre keys, sctp states, protocols without ports': () => {
    const g = one(GRE_PROC, true);
    deepEq([g.protoName, g.protoNum, g.timeout, g.sport, g.dport, g.rsport, g.rdport, g.assured], ['gre', 47, 179, 0, 31, 31, 0, true]);
    const s = one(SCTP_LIST, true);
    deepEq([s.protoNum, s.state, s.sport, s.dport, s.id], [132, 'ESTABLISHED', 5000, 5001, 4242]);
    const u = one(UNKNOWN_PROC, true);
    deepEq([u.protoName, u.protoNum, u.sport, u.dport, u.rdst, u.origBytes, u.replyBytes], ['unknown', 50, -1, -1, '198.51.100.1', 100, 120]);
    const p = one(PLAIN_LIST, true);
    deepEq([p.family, p.protoName, p.protoNum, p.state], [4, 'tcp', 6, 'ESTABLISHED'], 'without -o extended');
  },

  '[OFFLOAD] and [HW_OFFLOAD] in place of [ASSURED]; no timeout in /proc': () => {
    const o = one(OFFLOAD_PROC, true);
    deepEq([o.offload, o.hwOffload, o.assured, o.timeout, o.state, o.deltaTime], [true, false, false, -1, 'ESTABLISHED', 60]);
    const h = one(HW_OFFLOAD_PROC, true);
    deepEq([h.offload, h.hwOffload], [true, true]);
  },

  'mark and zone (and the per-tuple zones) are read': () => {
    const r = one(MARK_ZONE_EVENT);
    deepEq([r.kind, r.mark, r.zone, r.id, r.assured, r.ts], ['UPDATE', 305419896, 3, 77, true, 1795391150.25]);
  },

  'trailing fields of newer conntrack-tools are tolerated': () => {
    const r = one(ICMP_NEW + ' [USERSPACE] portid=1234 progname=nft');
    eq(r.id, 123456);
  },

  'held flows: UPDATE and DESTROY skip their tuples, keep what the flow table refreshes': (ctx) => {
    const held = (id: number): boolean => id !== 424242;
    let n = 0;
    for (const line of [...lines(ctx.fixture(EVENTS)), ICMPV6_DESTROY, MARK_ZONE_EVENT]) {
      const c = new Counters();
      const full = parseConntrackEvent(line, c);
      if (full === null || full.kind === 'NEW' || full.id < 0) continue;
      const part = parseConntrackEvent(line, c, undefined, held);
      if (part === null) throw new Error(`refused when held: ${line}`);
      n++;
      eq(part.partial, true, line);
      eq(part.src, '', 'no tuples');
      deepEq(
        [part.kind, part.id, part.state, part.assured, part.unreplied, part.offload, part.mark],
        [full.kind, full.id, full.state, full.assured, full.unreplied, full.offload, full.mark],
        line,
      );
      if (part.kind === 'DESTROY') {
        deepEq([part.ts, part.origPkts, part.origBytes, part.replyPkts, part.replyBytes], [full.ts, full.origPkts, full.origBytes, full.replyPkts, full.replyBytes], line);
      } else eq(part.ts, -1, 'an UPDATE of a held flow has no time');
    }
    ok(n >= 3, `held UPDATE/DESTROY lines in the fixture (${n})`);
    const c = new Counters();
    const noAcct = '[1795391141.5]\t[DESTROY] ipv4     2 udp      17 src=192.0.2.10 dst=198.51.100.80 sport=5 dport=53 src=198.51.100.80 dst=198.51.100.1 sport=53 dport=5 mark=0 id=7';
    const r = parseConntrackEvent(noAcct, c, undefined, held);
    deepEq([r?.partial, r?.ts, r?.origBytes, r?.replyBytes], [true, 1795391141.5, -1, -1], 'no accounting');
    const bad = noAcct.replace('sport=5 ', 'sport=5 packets=x bytes=1 ');
    eq(parseConntrackEvent(bad, c, undefined, held), null, 'garbled counters');
    eq(c.dropped('conntrack.bad_counters'), 1);
    const unheld = parseConntrackEvent(noAcct.replace('id=7', 'id=424242'), c, undefined, held);
    deepEq([unheld?.partial, unheld?.src], [false, '192.0.2.10'], 'not held: read in full');
    // the id the held check read is the record's only when it is the conntrack id
    const idless = ICMP_NEW.replace('[NEW]', '[UPDATE]').replace(' id=123456', '').replace('    [', ' [');
    const walked = parseConntrackEvent(idless, c, undefined, () => false);
    deepEq([walked?.id, walked?.icmpId, walked?.partial], [-1, 4321, false], 'an icmp id last is not the conntrack id');
    deepEq({ ...(parseConntrackEvent(ICMP_NEW.replace('[NEW]', '[UPDATE]').replace('    [', ' ['), c, undefined, () => false) as CtRecord) },
      { ...one(ICMP_NEW.replace('[NEW]', '[UPDATE]').replace('    [', ' [')) }, 'not held: as without holds');
    const tcpGarbled = noAcct.replace(' mark=0 id=7', ' code=1 id=8');
    deepEq([parseConntrackEvent(tcpGarbled, c, undefined, () => false)?.id, one(tcpGarbled).id], [-1, -1], 'an id after code= is an icmp id');
  },
  'a reused record (into) reads every line exactly as a fresh one, whatever came before': (ctx) => {
    // The parser leaves a reused record's tuple and protocol fields for a successful fast read to
    // overwrite: every other path (token walk, held flows) must clear them. Lines in a seeded
    // order, mutated half the time, into one record with and without `holds`, against fresh parses.
    const NAT_PORT = '[1795391140.5]\t    [NEW] ipv4     2 udp      17 30 src=192.0.2.10 dst=198.51.100.53 sport=1234 dport=53 [UNREPLIED] src=198.51.100.53 dst=198.51.100.1 sport=53 dport=61234 id=9';
    const base = [
      ...lines(ctx.fixture(EVENTS)),
      ICMP_NEW,
      ICMPV6_DESTROY,
      MARK_ZONE_EVENT,
      NAT_PORT,
      NAT_PORT.replace('sport=53 dport=61234', 'sport=5353 dport=1234'), // DNAT'd port
      NAT_PORT.replace('src=198.51.100.53 dst=198.51.100.1', 'src=192.0.2.99 dst=192.0.2.10'), // both hosts differ
      NAT_PORT.replace('id=9', 'id=9 zone=2'), // more after the id
      NAT_PORT.replace('id=9', 'id=9x'),
      NAT_PORT.replace(' id=9', ''), // no id
      NAT_PORT.replace('dport=61234', 'dport=123 packets=x'),
    ];
    const rnd = seeded(20261128);
    const mutate = (s: string): string => {
      const at = Math.floor(rnd() * s.length);
      return rnd() < 0.5 ? s.slice(0, at) + s.slice(at + 1) : s.slice(0, at) + '1 =x'[Math.floor(rnd() * 4)] + s.slice(at + 1);
    };
    const held = (id: number): boolean => id % 2 === 1;
    const into = parseConntrackEvent(NAT_PORT, new Counters()) as CtRecord;
    let n = 0;
    for (let k = 0; k < 2000; k++) {
      let line = base[Math.floor(rnd() * base.length)];
      if (rnd() < 0.5) line = mutate(line);
      const holds = rnd() < 0.5 ? held : undefined;
      const fresh = parseConntrackEvent(line, new Counters(), undefined, holds);
      const reused = parseConntrackEvent(line, new Counters(), into, holds);
      eq(reused === null, fresh === null, line);
      if (fresh !== null) {
        deepEq({ ...(reused as CtRecord) }, { ...fresh }, line);
        n++;
      }
    }
    ok(n > 500, `lines read (${n})`);
  },
  'the usual layout is read at its labels and agrees with the token walk; near misses are refused by reason': () => {
    const T = '[1795400000.000183]\t';
    const good = [
      `${T}    [NEW] ipv4     2 tcp      6 120 SYN_SENT src=192.0.2.107 dst=203.0.113.244 sport=19014 dport=993 [UNREPLIED] src=203.0.113.244 dst=198.51.100.1 sport=993 dport=19014 id=103065`,
      `${T}    [NEW] ipv4     2 tcp      6 120 SYN_SENT src=192.0.2.107 dst=203.0.113.9 sport=19015 dport=993 [UNREPLIED] src=203.0.113.9 dst=198.51.100.2 sport=993 dport=19015 id=103066`,
      `${T}    [NEW] ipv4     2 udp      17 30 src=192.0.2.32 dst=198.51.100.34 sport=60894 dport=53 [UNREPLIED] src=198.51.100.34 dst=198.51.100.1 sport=53 dport=22367 id=7`,
      `${T}    [NEW] ipv6     10 tcp      6 120 SYN_SENT src=2001:db8:1::25 dst=2001:db8:1f::dab sport=52339 dport=443 [UNREPLIED] src=2001:db8:1f::dab dst=2001:db8:1::25 sport=443 dport=52339 id=125790957`,
      `${T}    [NEW] ipv6     10 udp      17 30 src=2001:db8:1::25 dst=2001:db8:1f::dab sport=5 dport=53 [UNREPLIED] src=2001:db8:1f::dab dst=2001:db8:1::25 sport=53 dport=5 id=8`,
      `${T}[DESTROY] ipv4     2 tcp      6 TIME_WAIT src=192.0.2.20 dst=198.51.100.203 sport=10326 dport=993 packets=1611 bytes=2166795 src=198.51.100.203 dst=198.51.100.1 sport=993 dport=10326 packets=1845 bytes=1754595 [ASSURED] delta-time=9 id=167181288`,
      `${T}[DESTROY] ipv4     2 udp      17 src=192.0.2.22 dst=203.0.113.66 sport=45771 dport=53 packets=1363 bytes=1334377 [UNREPLIED] src=203.0.113.66 dst=198.51.100.1 sport=53 dport=15899 packets=1579 bytes=168953 delta-time=4 id=108544780`,
      `${T} [UPDATE] ipv4     2 tcp      6 432000 ESTABLISHED src=192.0.2.16 dst=198.51.100.198 sport=55972 dport=443 src=198.51.100.198 dst=198.51.100.1 sport=443 dport=55972 [ASSURED] id=104247775`,
      `${T} [UPDATE] ipv4     2 udp      17 30 src=192.0.2.16 dst=198.51.100.198 sport=55972 dport=5000 src=198.51.100.198 dst=198.51.100.1 sport=5000 dport=55972 mark=3 id=104247776`,
    ];
    const expect = [
      ['198.51.100.1', 19014, true, -1],
      ['198.51.100.2', 19015, true, -1],
      ['198.51.100.1', 22367, true, -1],
      ['2001:db8:1::25', 52339, true, -1],
      ['2001:db8:1::25', 5, true, -1],
      ['198.51.100.1', 10326, false, 9],
      ['198.51.100.1', 15899, true, 4],
      ['198.51.100.1', 55972, false, -1],
      ['198.51.100.1', 55972, false, -1],
    ];
    // twice over: the second round reads with the remembered NAT address and state texts
    for (let round = 0; round < 2; round++) {
      good.forEach((line, k) => {
        const r = one(line);
        deepEq([r.rdst, r.rdport, r.unreplied, r.deltaTime], expect[k], line);
        // the same line with doubled blanks goes through the tolerant token walk: same record
        deepEq(one(line.replace(/ /g, '  ')), r, `doubled blanks: ${line}`);
      });
    }
    const d = one(good[5]);
    deepEq([d.assured, d.origPkts, d.origBytes, d.replyPkts, d.replyBytes, d.id, d.state, d.timeout], [true, 1611, 2166795, 1845, 1754595, 167181288, 'TIME_WAIT', -1]);
    const u = one(good[8]);
    deepEq([u.mark, u.id, u.state, u.timeout, u.assured], [3, 104247776, '', 30, false]);
    // IPv6 in either spelling gives the same record
    const padded = good[3].replace(/2001:db8:1::25/g, '2001:0db8:0001:0000:0000:0000:0000:0025').replace(/2001:db8:1f::dab/g, '2001:0DB8:001f:0000:0000:0000:0000:0dab');
    deepEq(one(padded), one(good[3]), 'padded IPv6');
    // a list line's timeout counts down: each is read as printed
    for (const t of [431999, 431998, 7]) eq(one(`ipv4     2 tcp      6 ${t} ESTABLISHED src=192.0.2.10 dst=198.51.100.80 sport=1 dport=2 src=198.51.100.80 dst=198.51.100.1 sport=2 dport=1 [ASSURED] mark=0 use=1`, true).timeout, t);
    const table: [string, string][] = [
      [good[0].replace('dport=19014 id', 'dpor1t=19014 id'), 'conntrack.missing_tuple'], // a garbled label
      [good[0].replace(' dport=19014', ''), 'conntrack.missing_tuple'],
      [good[0].replace(' dst=203.0.113.244 ', '\tdst=203.0.113.244 '), 'conntrack.bad_address'], // a tab is no separator
      [good[5].replace('delta-time=9', 'delta-time=x'), 'conntrack.bad_number'],
      [good[0].replace('[NEW]', 'x[NEW]'), 'conntrack.no_event_tag'],
      [good[0] + ' ' + 'x'.repeat(70000), 'conntrack.bad_token'], // 70 kB
      [good[0].replace('src=192.0.2.107', 'src=' + '1'.repeat(70000)), 'conntrack.bad_address'],
    ];
    for (const [line, reason] of table) {
      const c = new Counters();
      eq(parseConntrackEvent(line, c), null, line.slice(0, 300));
      eq(c.dropped(reason), 1, `${reason} for ${line.slice(0, 300)}; got ${JSON.stringify(c.snapshot().dropped)}`);
    }
    eq(one(good[5].replace('[ASSURED]', '[ASSURED')).assured, false, 'an unknown flag is passed over');
    // a held DESTROY reads its flags in place in the usual layout, else along the line: as the full read
    const held = (): boolean => true;
    for (const line of [good[5], good[6], good[5].replace('delta-time', 'mark=7 delta-time'), good[6].replace('delta-time=4', '[OFFLOAD] delta-time=4'), good[6].replace(' delta-time=4', '')]) {
      const full = one(line);
      const part = parseConntrackEvent(line, new Counters(), undefined, held) as CtRecord;
      deepEq([part.partial, part.unreplied, part.assured, part.offload, part.mark, part.origBytes, part.replyPkts], [true, full.unreplied, full.assured, full.offload, full.mark, full.origBytes, full.replyPkts], line);
    }
    // 70 kB of attributes the reader does not use
    const long = good[0] + ' zone-orig=1'.repeat(6000);
    ok(long.length > 70000, 'long line');
    deepEq(one(long), one(good[0]), 'trailing attributes ignored');
  },

  'counters: a digit first and 20 characters at most, in the usual layout as in the token walk': () => {
    const D = '[1795400000.000183]\t[DESTROY] ipv4     2 tcp      6 TIME_WAIT src=192.0.2.20 dst=198.51.100.203 sport=10326 dport=993 packets=P bytes=B src=198.51.100.203 dst=198.51.100.1 sport=993 dport=10326 packets=1845 bytes=1754595 [ASSURED] delta-time=9 id=167181288';
    const read = (p: string, b: string) => {
      const r = parseConntrackEvent(D.replace('packets=P', 'packets=' + p).replace('bytes=B', 'bytes=' + b), new Counters());
      return r === null ? null : [r.origPkts, r.origBytes, r.replyPkts];
    };
    const n20 = '9'.repeat(20);
    deepEq(read(n20, n20), [1e20, 1e20, 1845]);
    deepEq(read('1e3', '0'), [1000, 0, 1845]);
    for (const [p, b] of [[n20 + '9', '1'], ['1', n20 + '9'], ['+5', '1'], ['1', '-1'], ['1.5', '1'], ['x', '1'], ['1', '']]) eq(read(p, b), null, `${p} ${b}`);
  },
  'malformed lines are counted by reason and never throw': () => {
    const table: [string, string][] = [
      ['[17953x1132.267092]\t    [NEW] ipv4     2 udp      17 30 src=192.0.2.10 dst=192.0.2.1 sport=1 dport=53 src=192.0.2.1 dst=192.0.2.10 sport=53 dport=1 id=1', 'conntrack.bad_timestamp'],
      ['[1795391132.267092\t    [NEW] ipv4', 'conntrack.no_event_tag'], // the ']' found is the tag's
      ['[1795391132.267092]\t    [BOGUS] ipv4     2 udp      17 30 src=1.2.3.4', 'conntrack.no_event_tag'],
      ['hello world', 'conntrack.no_event_tag'],
      ['    [NEW] ipv4     2 udp      17 30', 'conntrack.bad_header'],
      ['    [NEW] ipv4     x udp      17 30 src=192.0.2.10 dst=192.0.2.1 sport=1 dport=53 src=192.0.2.1 dst=192.0.2.10 sport=53 dport=1', 'conntrack.bad_header'],
      ['    [NEW] ipv4     2 udp      999 30 src=192.0.2.10 dst=192.0.2.1 sport=1 dport=53 src=192.0.2.1 dst=192.0.2.10 sport=53 dport=1', 'conntrack.bad_header'],
      ['    [NEW] ipv4     2 udp      17 30 lower src=192.0.2.10 dst=192.0.2.1 sport=1 dport=53 src=192.0.2.1 dst=192.0.2.10 sport=53 dport=1', 'conntrack.bad_header'],
      ['    [NEW] ipv4     2 udp      17 30 src=192.0.2.10 dst=192.0.2.1 sport=1x dport=53 src=192.0.2.1 dst=192.0.2.10 sport=53 dport=1', 'conntrack.bad_number'],
      ['    [NEW] ipv4     2 udp      17 30 src=192.0.2.10 dst=192.0.2.1 sport=1 dport=53 src=192.0.2.1 dst=192.0.2.10 sport=53 dport=1 id=x10', 'conntrack.bad_number'],
      ['    [NEW] ipv4     2 udp      17 30 src=192.0.2.10 dst=192.0.2.1 sport=1 dport=53 src=192.0.2.1 dst=192.0.2.10 sport=53 dport=1 id=-1', 'conntrack.bad_number'],
      ['    [NEW] ipv4     2 udp      17 30 src=<script> dst=192.0.2.1 sport=1 dport=53 src=192.0.2.1 dst=192.0.2.10 sport=53 dport=1', 'conntrack.bad_address'],
      ['    [NEW] ipv4     2 udp      17 30 src=192.0.2.10 dst=192.0.2.1 sport=1 dport=53 stray src=192.0.2.1 dst=192.0.2.10 sport=53 dport=1', 'conntrack.bad_token'],
      ['    [NEW] ipv4     2 udp      17 30 src=192.0.2.10 dst=192.0.2.1 sport=1 dport=53', 'conntrack.missing_tuple'],
      ['    [NEW] ipv4     2 udp      17 30 src=192.0.2.10 dst=192.0.2.1 src=192.0.2.1 dst=192.0.2.10 src=192.0.2.1', 'conntrack.bad_token'],
    ];
    for (const [line, reason] of table) {
      const c = new Counters();
      eq(parseConntrackEvent(line, c), null, line);
      eq(c.dropped(reason), 1, `${reason} for ${line}; got ${JSON.stringify(c.snapshot())}`);
      eq(c.sample(reason), line, 'sample kept');
    }
    const c = new Counters();
    eq(parseConntrackList('', c), null);
    eq(parseConntrackList('   ', c), null);
    eq(parseConntrackEvent('', c), null);
    eq(parseConntrackList('conntrack v1.4.7 (conntrack-tools): 31 flow entries have been shown.', c), null);
    eq(c.get('conntrack.ignored'), 4);
    eq(parseConntrackList('[NEW] ipv4 2 udp 17 30 src=192.0.2.1', c), null, 'an event line is not a list line');
  },

  'seeded fuzz: never throws, every line counted': (ctx) => {
    const base = [...lines(ctx.fixture(EVENTS)), ICMP_NEW, ICMPV6_DESTROY, MARK_ZONE_EVENT];
    const baseList = [...lines(ctx.fixture(PROC)), ...lines(ctx.fixture(LIST)), GRE_PROC, OFFLOAD_PROC, V6_PROC_ZEROS];
    const rnd = seeded(20240611);
    const alphabet = ' =[]:.0123456789abcdefxsrcdtpoi-\t\u00e9\u0000';
    const mutate = (s: string): string => {
      const kind = Math.floor(rnd() * 5);
      const at = Math.floor(rnd() * (s.length + 1));
      if (kind === 0) return s.slice(0, at);
      if (kind === 1) return s.slice(0, at) + alphabet[Math.floor(rnd() * alphabet.length)] + s.slice(at + 1);
      if (kind === 2) return s.slice(0, at) + s.slice(at + 1 + Math.floor(rnd() * 8));
      if (kind === 3) return s.slice(0, at) + ' ' + s.slice(at);
      const parts = s.split(' ');
      const a = Math.floor(rnd() * parts.length);
      const b = Math.floor(rnd() * parts.length);
      const t = parts[a];
      parts[a] = parts[b];
      parts[b] = t;
      return parts.join(' ');
    };
    const c = new Counters();
    let n = 0;
    let recs = 0;
    for (let k = 0; k < 3000; k++) {
      const list = k % 2 === 1;
      const src = list ? baseList : base;
      let line = src[Math.floor(rnd() * src.length)];
      const rounds = 1 + Math.floor(rnd() * 3);
      for (let r = 0; r < rounds; r++) line = mutate(line);
      const rec = list ? parseConntrackList(line, c) : parseConntrackEvent(line, c);
      n++;
      if (rec) {
        recs++;
        ok(rec.src !== '' && rec.dst !== '' && rec.rsrc !== '' && rec.rdst !== '', 'a record has both tuples');
        ok(rec.protoNum >= 0 && rec.protoNum <= 255, 'protocol number');
      }
    }
    eq(recs + total(c), n, 'every fuzzed line accounted for');
    ok(recs > 300 && recs < n - 300, `a mix of accepted and refused lines (${recs}/${n})`);
  },
};
