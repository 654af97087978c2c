import type { Cases } from '../../support/cases';
import { deepEq, eq, ok, seeded } from '../../support/check';
import { Counters } from '../../../src/counters';
import { DnsmasqLineParser } from '../../../src/sources/dnsmasq/parser';
import { copyRecord, type DnsLogRecord } from '../../../src/sources/dnsmasq/record';

const EXTRA = 'lab-basic/dnsmasq-extra.log';
const CLASSIC = 'lab-basic/dnsmasq-classic.log';
const LOGREAD = 'lab-basic/logread-extra.txt';
export const FIXTURES = [EXTRA, CLASSIC, LOGREAD];

const T32 = Date.UTC(2026, 10, 22, 23, 45, 32) / 1000;
const T37 = Date.UTC(2026, 10, 22, 23, 45, 37) / 1000;

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '');
}

function parseAll(text: string | string[], opts: { year?: number; now_?: () => number; utcOffsetMin_?: number } = { year: 2026 }) {
  const counters = new Counters();
  const p = new DnsmasqLineParser({ counters, ...opts });
  const recs: (DnsLogRecord | null)[] = [];
  for (const l of typeof text === 'string' ? lines(text) : text) {
    const r = p.parse(l);
    recs.push(r === null ? null : copyRecord(r));
  }
  return { recs, counters };
}

/** One line in log-facility framing, parsed. */
function one(msg: string, pid = 8830): { rec: DnsLogRecord | null; counters: Counters } {
  const { recs, counters } = parseAll([`Nov 22 23:45:32 dnsmasq[${pid}]: ${msg}`]);
  return { rec: recs[0], counters };
}

function rec(msg: string): DnsLogRecord {
  const r = one(msg).rec;
  if (r === null) throw new Error(`no record for ${msg}`);
  const { ts, pid, ...rest } = r;
  eq(ts, T32, 'ts');
  eq(pid, 8830, 'pid');
  return rest as DnsLogRecord;
}

/** The sum of every line-accounting counter: records + ignored + dnsmasq drops. */
function accounted(c: Counters): number {
  const s = c.snapshot();
  let n = 0;
  for (const [k, v] of Object.entries(s.counters)) if (k === 'dnsmasq.records' || k.startsWith('dnsmasq.ignored.')) n += v;
  for (const [k, v] of Object.entries(s.dropped)) if (k.startsWith('dnsmasq.')) n += v;
  return n;
}

export const cases: Cases = {
  'extra fixture: every line is a record or a counted lifecycle line': ({ fixture }) => {
    const { recs, counters } = parseAll(fixture(EXTRA));
    deepEq(counters.snapshot(), { counters: { 'dnsmasq.ignored.lifecycle': 6, 'dnsmasq.records': 48 }, dropped: {} });
    const kinds = recs.filter((r) => r !== null).map((r) => r!.kind);
    eq(kinds.filter((k) => k === 'query').length, 17, 'queries');
    eq(kinds.filter((k) => k === 'forwarded').length, 11, 'forwarded');
    eq(kinds.filter((k) => k === 'rcode').length, 3, 'rcode lines');
    for (const r of recs) if (r !== null) eq(r.ts, T32, 'ts of every record');
  },

  'extra fixture: query, forwarded, CNAME placeholder, hosts file, PTR, TXT, MX, IPv6 client': ({ fixture }) => {
    const { recs } = parseAll(fixture(EXTRA));
    const r = recs.filter((x) => x !== null) as DnsLogRecord[];
    deepEq(r[0], { ts: T32, pid: 8830, serial: 1, kind: 'query', name: 'www.shop.test', qtype: 'A', client: '192.0.2.10', clientPort: 56774 });
    deepEq(r[1], { ts: T32, pid: 8830, serial: 1, kind: 'forwarded', name: 'www.shop.test', upstream: '198.51.100.53' });
    deepEq(r[2], { ts: T32, pid: 8830, serial: 1, kind: 'answer', name: 'www.shop.test', origin: 'reply', rtype: 'A', data: '198.51.100.80' });
    deepEq(r[5], { ts: T32, pid: 8830, serial: 2, kind: 'answer', name: 'cdn.shop.test', origin: 'reply', rtype: 'CNAME', data: null });
    const find = (pred: (x: DnsLogRecord) => boolean) => r.find(pred)!;
    deepEq(find((x) => x.origin === 'hosts'), { ts: T32, pid: 8830, serial: 13, kind: 'answer', name: 'router.lan', origin: 'hosts', hostsFile: '/tmp/hosts/odhcpd', rtype: 'A', data: '192.0.2.1' });
    deepEq(find((x) => x.rtype === 'PTR'), { ts: T32, pid: 8830, serial: 10, kind: 'answer', name: '198.51.100.80', origin: 'reply', rtype: 'PTR', reverse: true, data: 'www.shop.test' });
    deepEq(find((x) => x.rtype === 'TXT'), { ts: T32, pid: 8830, serial: 9, kind: 'answer', name: 'shop.test', origin: 'reply', rtype: 'TXT', data: 'v=spf1 -all' });
    deepEq(find((x) => x.rtype === 'MX'), { ts: T32, pid: 8830, serial: 8, kind: 'answer', name: 'shop.test', origin: 'reply', rtype: 'MX', data: null });
    deepEq(find((x) => x.rtype === 'AAAA' && x.origin === 'config'), { ts: T32, pid: 8830, serial: 12, kind: 'answer', name: 'tracker.ads.test', origin: 'config', rtype: 'AAAA', data: '::' });
    deepEq(find((x) => x.kind === 'nxdomain'), { ts: T32, pid: 8830, serial: 14, kind: 'nxdomain', name: 'nothere.lan', origin: 'config' });
    deepEq(find((x) => x.kind === 'rcode'), { ts: T32, pid: 8830, serial: 5, kind: 'rcode', name: '', origin: 'reply', rcode: 'REFUSED' });
    deepEq(find((x) => x.client === '2001:db8:1::10'), { ts: T32, pid: 8830, serial: 15, kind: 'query', name: 'www.shop.test', qtype: 'A', client: '2001:db8:1::10', clientPort: 57503 });
    eq(find((x) => x.serial === 17 && x.kind === 'query').name, 'we!rd_na<me>.shop.test', 'odd name kept as-is');
  },

  'logread framing gives exactly the records of the log-facility file': ({ fixture }) => {
    const a = parseAll(fixture(EXTRA));
    const b = parseAll(fixture(LOGREAD), { now_: () => 0 }); // logread carries its own year
    deepEq(b.recs, a.recs);
    deepEq(b.counters.snapshot(), a.counters.snapshot());
  },

  'classic fixture: no serial, client from `from`, no port': ({ fixture }) => {
    const { recs, counters } = parseAll(fixture(CLASSIC));
    deepEq(counters.snapshot(), { counters: { 'dnsmasq.ignored.lifecycle': 5, 'dnsmasq.records': 15 }, dropped: {} });
    const r = recs.filter((x) => x !== null) as DnsLogRecord[];
    deepEq(r[0], { ts: T37, pid: 8907, serial: -1, kind: 'query', name: 'www.shop.test', qtype: 'A', client: '192.0.2.10' });
    deepEq(r[1], { ts: T37, pid: 8907, serial: -1, kind: 'forwarded', name: 'www.shop.test', upstream: '198.51.100.53' });
    deepEq(r[14], { ts: T37, pid: 8907, serial: -1, kind: 'rcode', name: '', origin: 'reply', rcode: 'REFUSED' });
  },

  'framings: syslog with host, busybox facility, ISO 8601, priority, padded day, CRLF': () => {
    const msg = '7 192.0.2.10/1 query[A] a.test from 192.0.2.10';
    const at = Date.UTC(2026, 10, 2, 3, 4, 5) / 1000;
    for (const l of [
      `Nov  2 03:04:05 router dnsmasq[9]: ${msg}`,
      `Nov  2 03:04:05 router daemon.info dnsmasq[9]: ${msg}`,
      `Nov  2 03:04:05 dnsmasq[9]: ${msg}\r`,
      `Mon Nov  2 03:04:05 2026 daemon.info dnsmasq[9]: ${msg}`,
      `<30>Nov  2 03:04:05 dnsmasq[9]: ${msg}`,
      `2026-11-02T03:04:05Z router dnsmasq[9]: ${msg}`,
      `2026-11-02T04:04:05+01:00 router dnsmasq[9]: ${msg}`,
    ]) {
      const { recs } = parseAll([l]);
      eq(recs[0]?.ts, at, l);
      eq(recs[0]?.pid, 9, l);
      eq(recs[0]?.name, 'a.test', l);
    }
    const frac = parseAll([`2026-11-02T03:04:05.250-02:00 h dnsmasq[9]: ${msg}`]).recs[0];
    eq(frac?.ts, at + 7200.25, 'fraction and negative offset');
  },

  'year inference: current year, rolled back when more than a day ahead; utc offset': () => {
    const jan = () => Date.UTC(2027, 0, 3, 12) / 1000;
    const dec = parseAll(['Dec 31 23:59:59 dnsmasq[1]: cleared cache', 'Dec 31 23:59:59 dnsmasq[1]: 1 192.0.2.1/5 query[A] x from 192.0.2.1'], { now_: jan });
    eq(dec.recs[1]?.ts, Date.UTC(2026, 11, 31, 23, 59, 59) / 1000, 'December seen in January is last year');
    const jan2 = parseAll(['Jan  3 11:00:00 dnsmasq[1]: 1 192.0.2.1/5 query[A] x from 192.0.2.1'], { now_: jan });
    eq(jan2.recs[0]?.ts, Date.UTC(2027, 0, 3, 11) / 1000, 'this year');
    const jan4 = parseAll(['Jan  4 11:00:00 dnsmasq[1]: 1 192.0.2.1/5 query[A] x from 192.0.2.1'], { now_: jan });
    eq(jan4.recs[0]?.ts, Date.UTC(2027, 0, 4, 11) / 1000, 'up to a day ahead stays this year');
    const jan5 = parseAll(['Jan  4 13:00:00 dnsmasq[1]: 1 192.0.2.1/5 query[A] x from 192.0.2.1'], { now_: jan });
    eq(jan5.recs[0]?.ts, Date.UTC(2026, 0, 4, 13) / 1000, 'more than a day ahead is last year');
    const off = parseAll(['Nov 22 23:45:32 dnsmasq[1]: 1 192.0.2.1/5 query[A] x from 192.0.2.1'], { year: 2026, utcOffsetMin_: 120 });
    eq(off.recs[0]?.ts, T32 - 7200, 'local time at UTC+2');
    // a year given is the year, whatever it is (replay --year -1 was once read as no year: the clock's)
    for (const year of [-1, 0]) {
      const given = parseAll(['Nov 22 23:45:32 dnsmasq[1]: 1 192.0.2.1/5 query[A] x from 192.0.2.1'], { year, now_: jan });
      eq(given.recs[0]?.ts, new Date(0).setUTCFullYear(year, 10, 22) / 1000 + 23 * 3600 + 45 * 60 + 32, `year ${year} as given`);
    }
  },

  'synthetic kinds not in the fixtures': () => {
    deepEq(rec('3 192.0.2.10/5 cached-stale www.shop.test is 198.51.100.80'), { serial: 3, kind: 'answer', name: 'www.shop.test', origin: 'stale', rtype: 'A', data: '198.51.100.80' });
    deepEq(rec('3 192.0.2.10/5 query[type=65] www.shop.test from 192.0.2.10'), { serial: 3, kind: 'query', name: 'www.shop.test', qtype: 'TYPE65', client: '192.0.2.10', clientPort: 5 });
    deepEq(rec('3 192.0.2.10/5 forwarded www.shop.test to 203.0.113.53#5353'), { serial: 3, kind: 'forwarded', name: 'www.shop.test', upstream: '203.0.113.53#5353' });
    deepEq(rec('3 192.0.2.10/5 reply www.shop.test is NODATA-IPv4'), { serial: 3, kind: 'nodata', name: 'www.shop.test', origin: 'reply', data: 'IPv4' });
    deepEq(rec('3 192.0.2.10/5 cached x.test is NODATA'), { serial: 3, kind: 'nodata', name: 'x.test', origin: 'cached', data: null });
    deepEq(rec('3 192.0.2.10/5 reply nope.test is NXDOMAIN'), { serial: 3, kind: 'nxdomain', name: 'nope.test', origin: 'reply' });
    deepEq(rec('3 192.0.2.10/5 reply error is SERVFAIL (EDE: 22)'), { serial: 3, kind: 'rcode', name: '', origin: 'reply', rcode: 'SERVFAIL', ede: '22' });
    deepEq(rec('3 192.0.2.10/5 reply error is SERVFAIL (EDE: network error)'), { serial: 3, kind: 'rcode', name: '', origin: 'reply', rcode: 'SERVFAIL', ede: 'network error' });
    deepEq(rec('3 192.0.2.10/5 reply error is 9'), { serial: 3, kind: 'rcode', name: '', origin: 'reply', rcode: 'NOTAUTH' });
    deepEq(rec('3 192.0.2.10/5 config error is REFUSED'), { serial: 3, kind: 'rcode', name: '', origin: 'config', rcode: 'REFUSED' });
    deepEq(rec('3 192.0.2.10/5 config version.bind is not implemented'), { serial: 3, kind: 'rcode', name: 'version.bind', origin: 'config', rcode: 'NOTIMP' });
    deepEq(rec('3 192.0.2.10/5 validation result is SECURE'), { serial: 3, kind: 'validation', name: 'result', status: 'SECURE' });
    deepEq(rec('3 192.0.2.10/5 validation bad.test is BOGUS (EDE: DNSSEC bogus)'), { serial: 3, kind: 'validation', name: 'bad.test', status: 'BOGUS', ede: 'DNSSEC bogus' });
    deepEq(rec('3 dnssec-query[DS] test to 198.51.100.53'), { serial: 3, kind: 'dnssec', name: 'test', upstream: '198.51.100.53' });
    deepEq(rec('3 dnssec-retry[DNSKEY] test to 198.51.100.53#5353'), { serial: 3, kind: 'dnssec', name: 'test', upstream: '198.51.100.53#5353' });
    deepEq(rec('3 reply test is DNSKEY keytag 20326, algo 8'), { serial: 3, kind: 'dnssec', name: 'test', origin: 'reply' });
    deepEq(rec('3 reply test is DS for keytag 2371, algo 13, digest 2'), { serial: 3, kind: 'dnssec', name: 'test', origin: 'reply' });
    deepEq(rec('3 reply test is no DS'), { serial: 3, kind: 'dnssec', name: 'test', origin: 'reply' });
    deepEq(rec('3 reply test is SERVFAIL'), { serial: 3, kind: 'dnssec', name: 'test', origin: 'reply' });
    deepEq(rec('3 192.0.2.10/5 DHCP laptop.lan is 192.0.2.10'), { serial: 3, kind: 'answer', name: 'laptop.lan', origin: 'dhcp', rtype: 'A', data: '192.0.2.10' });
    deepEq(rec('3 192.0.2.10/5 /etc/hosts 192.0.2.1 is router.lan'), { serial: 3, kind: 'answer', name: '192.0.2.1', origin: 'hosts', hostsFile: '/etc/hosts', rtype: 'PTR', reverse: true, data: 'router.lan' });
    deepEq(rec('3 192.0.2.10/5 reply a.test is 198.51.100.1 (DNSSEC signed)'), { serial: 3, kind: 'answer', name: 'a.test', origin: 'reply', rtype: 'A', data: '198.51.100.1', signed: true });
    deepEq(rec('3 192.0.2.10/5 reply a.test is <type=65534>'), { serial: 3, kind: 'answer', name: 'a.test', origin: 'reply', rtype: 'TYPE65534', data: null });
    deepEq(rec('3 192.0.2.10/5 reply query is duplicate'), { serial: 3, kind: 'duplicate', name: '', origin: 'reply' });
    deepEq(rec('3 192.0.2.10/5 reply is truncated'), { serial: 3, kind: 'truncated', name: '', origin: 'reply' });
    deepEq(rec('3 192.0.2.10/5 auth[A] www.zone.test from 192.0.2.10'), { serial: 3, kind: 'query', name: 'www.zone.test', qtype: 'A', auth: true, client: '192.0.2.10', clientPort: 5 });
    deepEq(rec('3 192.0.2.10/5 auth www.zone.test is 192.0.2.7'), { serial: 3, kind: 'answer', name: 'www.zone.test', origin: 'auth', rtype: 'A', data: '192.0.2.7' });
    deepEq(rec('TCP 3 192.0.2.10/5 query[A] t.test from 192.0.2.10'), { serial: 3, kind: 'query', name: 't.test', qtype: 'A', client: '192.0.2.10', clientPort: 5, tcp: true });
    deepEq(rec('3 fe80::1%br-lan/5353 query[AAAA] x.lan from fe80::1%br-lan'), { serial: 3, kind: 'query', name: 'x.lan', qtype: 'AAAA', client: 'fe80::1%br-lan', clientPort: 5353 });
    deepEq(rec('3 192.0.2.10/5 query[A] a name with spaces from 192.0.2.10'), { serial: 3, kind: 'query', name: 'a name with spaces', qtype: 'A', client: '192.0.2.10', clientPort: 5 });
    deepEq(rec('query[A] . from 192.0.2.10'), { serial: -1, kind: 'query', name: '.', qtype: 'A', client: '192.0.2.10' });
  },

  'ignored lines are counted by reason, not as errors': () => {
    const { recs, counters } = parseAll([
      'Nov 22 23:45:32 dnsmasq-dhcp[8830]: DHCPACK(br-lan) 192.0.2.10 02:00:5e:10:00:0a laptop',
      'Nov 22 23:45:32 router kernel: [1.0] eth0: link up',
      'Sun Nov 22 23:45:32 2026 daemon.notice netifd: Interface up',
      'Nov 22 23:45:32 dnsmasq[8830]: 3 192.0.2.10/5 ipset add myset 198.51.100.1 a.test',
      'Nov 22 23:45:32 dnsmasq[8830]: non-query opcode 5 from 192.0.2.10',
      'Nov 22 23:45:32 dnsmasq[8830]: overflow: 12 log entries lost',
      'Nov 22 23:45:32 dnsmasq[8830]: read /etc/hosts - 3 names',
      'Nov 22 23:45:32 dnsmasq[8830]: www.shop.test                  198.51.100.80                            4F         Sun Nov 22 23:50:00 2026',
      '',
    ]);
    ok(recs.every((r) => r === null), 'no records');
    deepEq(counters.snapshot(), {
      counters: {
        'dnsmasq.ignored.not_dns': 1, 'dnsmasq.ignored.other_program': 2, 'dnsmasq.ignored.ipset': 1,
        'dnsmasq.ignored.opcode': 1, 'dnsmasq.ignored.lifecycle': 3, dnsmasq_entries_lost: 12, 'dnsmasq.ignored.blank': 1,
      },
      dropped: {},
    });
  },

  'malformed lines: each dropped with its reason and a sample': () => {
    const table: [string, string][] = [
      ['garbage', 'dnsmasq.bad_framing'],
      ['Nov 22 23:45:32', 'dnsmasq.bad_framing'],
      ['Nov 22 23:45:32 dnsmasq[8830]', 'dnsmasq.bad_framing'],
      ['Nov 22 23:45:32 dnsmasq[88x0]: 1 192.0.2.10/1 query[A] a from b', 'dnsmasq.bad_framing'],
      ['Nox 22 23:45:32 dnsmasq[8830]: cleared cache', 'dnsmasq.bad_timestamp'],
      ['Nov 32 23:45:32 dnsmasq[8830]: cleared cache', 'dnsmasq.bad_timestamp'],
      ['Nov 22 24:45:32 dnsmasq[8830]: cleared cache', 'dnsmasq.bad_timestamp'],
      ['2026-13-22T23:45:32Z h dnsmasq[1]: cleared cache', 'dnsmasq.bad_timestamp'],
      // a year's low two digits not digits: once read as 20*100 + (-1) = 1999
      ['20x6-11-22T23:45:32Z h dnsmasq[1]: cleared cache', 'dnsmasq.bad_timestamp'],
      ['2x26-11-22T23:45:32Z h dnsmasq[1]: cleared cache', 'dnsmasq.bad_timestamp'],
      ['Nov 22 23:45:32 dnsmasq[8830]: 1 192.0.2.10/1 query[A] a.test', 'dnsmasq.truncated'],
      ['Nov 22 23:45:32 dnsmasq[8830]: 1 192.0.2.10/1 query[A', 'dnsmasq.truncated'],
      ['Nov 22 23:45:32 dnsmasq[8830]: 1 192.0.2.10/1 forwarded a.test', 'dnsmasq.truncated'],
      ['Nov 22 23:45:32 dnsmasq[8830]: 1 192.0.2.10/1 reply a.test', 'dnsmasq.truncated'],
      ['Nov 22 23:45:32 dnsmasq[8830]: 1 192.0.2.10/1 reply a.test is ', 'dnsmasq.truncated'],
      ['Nov 22 23:45:32 dnsmasq[8830]: 1 192.0.2.10/1 validation x', 'dnsmasq.truncated'],
      ['Nov 22 23:45:32 dnsmasq[8830]: 1 192.0.2.10/1 query[type=x] a from b', 'dnsmasq.unknown_message'],
      ['Nov 22 23:45:32 dnsmasq[8830]: 1 192.0.2.10/99999 query[A] a from b', 'dnsmasq.unknown_message'],
      ['Nov 22 23:45:32 dnsmasq[8830]: 1 192.0.2.10/1 frobnicated a.test', 'dnsmasq.unknown_message'],
      ['Nov 22 23:45:32 dnsmasq[8830]: something entirely new', 'dnsmasq.unknown_message'],
      ['Nov 22 23:45:32 dnsmasq[8830]: 1 192.0.2.10/1 reply a.test is NODATA-IPv9', 'dnsmasq.unknown_message'],
      [`Nov 22 23:45:32 dnsmasq[8830]: 1 192.0.2.10/1 query[A] ${'a'.repeat(5000)} from b`, 'dnsmasq.too_long'],
    ];
    for (const [line, reason] of table) {
      const { rec: r, counters } = { ...parseAll([line]), rec: parseAll([line]).recs[0] };
      eq(r, null, line.slice(0, 80));
      deepEq(Object.keys(counters.snapshot().dropped), [reason], line.slice(0, 80));
      ok(counters.sample(reason) !== undefined, `sample kept for ${reason}`);
    }
  },

  'long names are cut to MAX_NAME and counted': () => {
    const { recs, counters } = parseAll([`Nov 22 23:45:32 dnsmasq[1]: 1 192.0.2.10/1 query[A] ${'a'.repeat(2000)} from 192.0.2.10`]);
    eq(recs[0]?.name.length, 1024);
    eq(counters.get('dnsmasq.names_cut'), 1);
  },

  'same head shortcut: consecutive lines of one transaction, and a head without client': () => {
    const { recs } = parseAll([
      'Nov 22 23:45:32 dnsmasq[1]: 5 192.0.2.10/77 query[A] a.test from 192.0.2.10',
      'Nov 22 23:45:32 dnsmasq[1]: 5 192.0.2.10/77 forwarded a.test to 198.51.100.53',
      'Nov 22 23:45:32 dnsmasq[1]: 5 dnssec-query[DS] test to 198.51.100.53',
      'Nov 22 23:45:32 dnsmasq[1]: 5 192.0.2.10/77 reply a.test is 198.51.100.9',
      'Nov 22 23:45:32 dnsmasq[2]: 5 192.0.2.10/77 reply a.test is 198.51.100.9',
      'Nov 22 23:45:33 dnsmasq[1]: 5 192.0.2.10/77 reply a.test is 198.51.100.8',
    ]);
    deepEq(recs.map((r) => [r?.kind, r?.serial, r?.pid, r?.ts]), [
      ['query', 5, 1, T32], ['forwarded', 5, 1, T32], ['dnssec', 5, 1, T32], ['answer', 5, 1, T32], ['answer', 5, 2, T32], ['answer', 5, 1, T32 + 1],
    ]);
  },

  'fuzz: never throws, every line is a record or counted': ({ fixture }) => {
    const rnd = seeded(20261122);
    const base = [...lines(fixture(EXTRA)), ...lines(fixture(CLASSIC)), ...lines(fixture(LOGREAD))];
    const counters = new Counters();
    const p = new DnsmasqLineParser({ counters, now_: () => T32 });
    const alphabet = ' []/:#.<>()-_"\\\u0000\u0007\t\r\ud800\udfff\u00e9\ufffdaZ09';
    let fed = 0;
    const feed = (l: string) => {
      fed++;
      p.parse(l);
    };
    for (let i = 0; i < 6000; i++) {
      const kind = rnd();
      if (kind < 0.25) {
        let s = '';
        const n = Math.floor(rnd() * 200);
        for (let k = 0; k < n; k++) s += String.fromCharCode(Math.floor(rnd() * 0x10000));
        feed(s);
      } else if (kind < 0.85) {
        const src = base[Math.floor(rnd() * base.length)];
        let s = src;
        const edits = 1 + Math.floor(rnd() * 4);
        for (let e = 0; e < edits; e++) {
          const at = Math.floor(rnd() * (s.length + 1));
          const op = rnd();
          const ch = alphabet[Math.floor(rnd() * alphabet.length)];
          if (op < 0.4) s = s.slice(0, at) + ch + s.slice(at + 1);
          else if (op < 0.7) s = s.slice(0, at) + ch + s.slice(at);
          else if (op < 0.9) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(rnd() * 10));
          else s = s.slice(0, at);
        }
        feed(s);
      } else if (kind < 0.9) {
        feed(base[Math.floor(rnd() * base.length)] + ' '.repeat(Math.floor(rnd() * 3)) + 'x'.repeat(70000));
      } else {
        const src = base[Math.floor(rnd() * base.length)];
        feed(src.slice(0, Math.floor(rnd() * src.length)) + '\ud83d' + src.slice(Math.floor(rnd() * src.length)));
      }
    }
    eq(accounted(counters), fed, 'sum of line counters equals lines fed');
  },
};
