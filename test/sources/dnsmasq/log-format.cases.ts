// dnsmasq.log_format: each forced mode reads exactly the framing 'auto' reads of its kind, gives
// the records 'auto' gives, and counts every line of another framing as framing_mismatch.
import type { Cases } from '../../support/cases';
import { deepEq, eq, ok, seeded } from '../../support/check';
import { Counters } from '../../../src/counters';
import { DnsmasqLineParser } from '../../../src/sources/dnsmasq/parser';
import { framingFor, type LogFormat } from '../../../src/sources/dnsmasq/framing';
import { copyRecord, type DnsLogRecord } from '../../../src/sources/dnsmasq/record';

const EXTRA = 'lab-basic/dnsmasq-extra.log';
const CLASSIC = 'lab-basic/dnsmasq-classic.log';
const LOGREAD = 'lab-basic/logread-extra.txt';
export const FIXTURES = [EXTRA, CLASSIC, LOGREAD];

const T32 = Date.UTC(2026, 10, 22, 23, 45, 32) / 1000;
const MODES: LogFormat[] = ['auto', 'logread', 'syslog', 'bare'];

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '');
}

/** The message of a framed line: what follows the first `]: `. */
function message(line: string): string {
  return line.slice(line.indexOf(']: ') + 3);
}

function parser(format: LogFormat, now = T32 + 0.75) {
  const counters = new Counters();
  return { counters, p: new DnsmasqLineParser({ counters, format, year: 2026, now_: () => now }) };
}

function parseAll(format: LogFormat, text: string | string[], now?: number) {
  const { counters, p } = parser(format, now);
  const recs: (DnsLogRecord | null)[] = [];
  for (const l of typeof text === 'string' ? lines(text) : text) {
    const r = p.parse(l);
    recs.push(r === null ? null : copyRecord(r));
  }
  return { recs, counters };
}

/** Every line of a framing other than the mode's: dropped as framing_mismatch, sample kept. */
function allMismatch(format: LogFormat, text: string): void {
  const all = lines(text);
  const { recs, counters } = parseAll(format, all);
  ok(recs.every((r) => r === null), `${format}: no record`);
  deepEq(counters.snapshot(), { counters: {}, dropped: { 'dnsmasq.framing_mismatch': all.length } }, format);
  eq(counters.sample('dnsmasq.framing_mismatch'), all[0], `${format}: the first line is the sample`);
}

const MSG = '7 192.0.2.10/1 query[A] a.test from 192.0.2.10';
/** One line of each framing auto reads, and the modes that read it. */
const FRAMINGS: [string, LogFormat[]][] = [
  [`Nov  2 03:04:05 dnsmasq[9]: ${MSG}`, ['auto', 'syslog']],
  [`Nov  2 03:04:05 router dnsmasq[9]: ${MSG}`, ['auto', 'syslog']],
  [`Nov  2 03:04:05 router daemon.info dnsmasq[9]: ${MSG}`, ['auto', 'syslog']],
  [`<30>Nov  2 03:04:05 dnsmasq[9]: ${MSG}`, ['auto', 'syslog']],
  [`Nov  2 03:04:05 dnsmasq[9]: ${MSG}\r`, ['auto', 'syslog']],
  [`Mon Nov  2 03:04:05 2026 daemon.info dnsmasq[9]: ${MSG}`, ['auto', 'logread']],
  [`<30>Mon Nov  2 03:04:05 2026 daemon.info dnsmasq[9]: ${MSG}`, ['auto', 'logread']],
  [`2026-11-02T03:04:05Z router dnsmasq[9]: ${MSG}`, ['auto']],
  [`2026-11-02T04:04:05+01:00 router dnsmasq[9]: ${MSG}`, ['auto']],
  [MSG, ['bare']],
  [`${MSG}\r`, ['bare']],
];

export const cases: Cases = {
  "no format frames as 'auto' does, and the parser's framing is framingFor's": () => {
    const at = Date.UTC(2026, 10, 2, 3, 4, 5) / 1000;
    const auto = framingFor('auto', { year_: 2026 });
    const none = framingFor(undefined, { year_: 2026 });
    for (const [line] of FRAMINGS) {
      for (const f of [auto, none]) f.skip_ = 'bad_framing';
      const got = none.frame(line, line.length);
      eq(got, auto.frame(line, line.length), line);
      deepEq([none.ts, none.pid, none.start, none.skip_], [auto.ts, auto.pid, auto.start, auto.skip_], line);
      if (got) eq(none.ts, at, line);
    }
    const f = parser('syslog').p.framing_;
    const [syslog, logread] = [FRAMINGS[0][0], FRAMINGS[5][0]];
    ok(f.frame(syslog, syslog.length), 'the parser frames with its mode');
    eq(f.ts, at);
    eq(f.frame(logread, logread.length), false, 'a logread line is no syslog line');
    eq(f.skip_, 'framing_mismatch');
  },

  "'syslog': dnsmasq's own files read exactly as in 'auto'; logread lines are mismatches": ({ fixture }) => {
    for (const f of [EXTRA, CLASSIC]) {
      const a = parseAll('auto', fixture(f));
      const s = parseAll('syslog', fixture(f));
      deepEq(s.recs, a.recs, f);
      deepEq(s.counters.snapshot(), a.counters.snapshot(), f);
      ok(a.recs.filter((r) => r !== null).length > 10, `${f}: records`);
    }
    allMismatch('syslog', fixture(LOGREAD));
  },

  "'logread': the logread capture read exactly as in 'auto'; dnsmasq's own files are mismatches": ({ fixture }) => {
    const a = parseAll('auto', fixture(LOGREAD));
    const l = parseAll('logread', fixture(LOGREAD));
    deepEq(l.recs, a.recs);
    deepEq(l.counters.snapshot(), a.counters.snapshot());
    deepEq(l.counters.snapshot().counters, { 'dnsmasq.ignored.lifecycle': 6, 'dnsmasq.records': 48 });
    allMismatch('logread', fixture(EXTRA));
    allMismatch('logread', fixture(CLASSIC));
  },

  "'bare': the fixture's messages give auto's records, at the second of reading, pid 0": ({ fixture }) => {
    for (const f of [EXTRA, CLASSIC]) {
      const framed = lines(fixture(f));
      // the reference: the same messages framed at the reading second by pid 0
      const a = parseAll('auto', framed.map((l) => `Nov 22 23:45:32 dnsmasq[0]: ${message(l)}`));
      const b = parseAll('bare', framed.map(message), T32 + 0.75);
      deepEq(b.recs, a.recs, f);
      deepEq(b.counters.snapshot(), a.counters.snapshot(), f);
      ok(b.recs.some((r) => r !== null && r.ts === T32 && r.pid === 0), `${f}: ts and pid`);
      allMismatch('bare', fixture(f));
    }
    allMismatch('bare', fixture(LOGREAD));
    // a priority or dnsmasq's tag without a stamp is framing too
    allMismatch('bare', `<30>${MSG}\ndnsmasq[9]: ${MSG}\ndnsmasq: ${MSG}\ndnsmasq-dhcp[9]: DHCPACK(br-lan) 192.0.2.10\n`);
  },

  'each framing auto reads is read by its mode alone; the rest count framing_mismatch': () => {
    const at = Date.UTC(2026, 10, 2, 3, 4, 5) / 1000;
    for (const [line, modes] of FRAMINGS) {
      for (const m of MODES) {
        const { recs, counters } = parseAll(m, [line], at + 0.25);
        const r = recs[0];
        if (modes.includes(m)) {
          eq(r?.name, 'a.test', `${m}: ${line}`);
          eq(r?.ts, at, `${m}: ts of ${line}`);
          eq(r?.pid, m === 'bare' ? 0 : 9, `${m}: pid of ${line}`);
        } else {
          eq(r, null, `${m}: ${line}`);
          const why = m === 'auto' ? 'dnsmasq.bad_framing' : 'dnsmasq.framing_mismatch';
          deepEq(counters.snapshot().dropped, { [why]: 1 }, `${m}: ${line}`);
        }
      }
    }
  },

  "a forced mode keeps auto's reasons for a bad line of its own framing": () => {
    const cases: [LogFormat, string, string][] = [
      ['syslog', `Nox 22 23:45:31 dnsmasq[1]: ${MSG}`, 'dnsmasq.bad_timestamp'],
      ['syslog', `Nov 22 25:45:31 dnsmasq[1]: ${MSG}`, 'dnsmasq.bad_timestamp'],
      ['syslog', `Nov 22 23:45:31 dnsmasq[1] ${MSG}`, 'dnsmasq.bad_framing'],
      ['syslog', `Nov 22 23:45:31 dnsmasq[1]: 7 192.0.2.10/1 query[A]`, 'dnsmasq.truncated'],
      ['syslog', `Nov 22 23:45:31 dnsmasq[1]: 7 192.0.2.10/1 querz[A] a.test from 192.0.2.10`, 'dnsmasq.unknown_message'],
      ['logread', `Sun Nov 22 23:45:31 20x6 daemon.info dnsmasq[1]: ${MSG}`, 'dnsmasq.bad_timestamp'],
      ['logread', `Sun Nov 22 23:45:31 2026 daemon.info dnsmasq[x]: ${MSG}`, 'dnsmasq.bad_framing'],
      ['bare', '7 192.0.2.10/1 query[A]', 'dnsmasq.truncated'],
      ['bare', 'nonsense', 'dnsmasq.unknown_message'],
    ];
    for (const [m, line, why] of cases) {
      deepEq(parseAll(m, [line]).counters.snapshot().dropped, { [why]: 1 }, `${m}: ${line}`);
      deepEq(parseAll('auto', [m === 'bare' ? `Nov 22 23:45:31 dnsmasq[1]: ${line}` : line]).counters.snapshot().dropped, { [why]: 1 }, `auto: ${line}`);
    }
    // the other programs of a shared log stay ignored, not mismatches
    deepEq(parseAll('syslog', ['Nov 22 23:45:31 dnsmasq-dhcp[1]: DHCPACK', 'Nov 22 23:45:31 odhcpd[2]: x']).counters.snapshot().counters,
      { 'dnsmasq.ignored.not_dns': 1, 'dnsmasq.ignored.other_program': 1 });
  },

  'mixed input, seeded: a cached stamp or prefix never lets another framing through': ({ fixture }) => {
    const rnd = seeded(4242);
    const extra = lines(fixture(EXTRA));
    const logread = lines(fixture(LOGREAD));
    // the same message in each framing (same second: the caches of one would match the other's)
    const kinds: [LogFormat, (i: number) => string][] = [
      ['syslog', (i) => extra[i]],
      ['logread', (i) => logread[i]],
      ['bare', (i) => message(extra[i])],
    ];
    const feed: [LogFormat, string][] = [];
    for (let i = 0; i < 3000; i++) {
      const [k, line] = kinds[Math.floor(rnd() * 3)];
      feed.push([k, line(Math.floor(rnd() * extra.length))]);
    }
    for (const m of ['syslog', 'logread', 'bare'] as const) {
      const { counters, p } = parser(m);
      // the reference: auto fed only this mode's lines (bare ones framed as the reading second)
      const ref = parser('auto');
      let own = 0;
      for (const [k, line] of feed) {
        const got = p.parse(line);
        if (k !== m) {
          eq(got, null, `${m} took a ${k} line: ${line}`);
          continue;
        }
        own++;
        const want = ref.p.parse(m === 'bare' ? `Nov 22 23:45:32 dnsmasq[0]: ${line}` : line);
        deepEq(got === null ? null : copyRecord(got), want === null ? null : copyRecord(want), line);
      }
      const s = counters.snapshot();
      eq(s.dropped['dnsmasq.framing_mismatch'], feed.length - own, `${m}: mismatches counted`);
      delete s.dropped['dnsmasq.framing_mismatch'];
      deepEq(s, ref.counters.snapshot(), `${m}: the other counters as auto's`);
    }
  },

  'fuzz, each forced mode: never throws, every line is a record or counted': ({ fixture }) => {
    const rnd = seeded(20261128);
    const base = [...lines(fixture(EXTRA)), ...lines(fixture(CLASSIC)), ...lines(fixture(LOGREAD))];
    const bare = base.map(message);
    const alphabet = ' []/:#.<>()-_T0123456789\r\u0000\ud800é';
    for (const m of ['syslog', 'logread', 'bare'] as const) {
      const { counters, p } = parser(m);
      let fed = 0;
      for (let i = 0; i < 3000; i++) {
        const pool = rnd() < 0.3 ? bare : base;
        let l = pool[Math.floor(rnd() * pool.length)];
        for (let e = Math.floor(rnd() * 4); e > 0; e--) {
          const at = Math.floor(rnd() * (l.length + 1));
          const ch = alphabet[Math.floor(rnd() * alphabet.length)];
          l = rnd() < 0.5 ? l.slice(0, at) + ch + l.slice(at + 1) : l.slice(0, at) + l.slice(at + 1 + Math.floor(rnd() * 5));
        }
        fed++;
        p.parse(l);
      }
      const s = counters.snapshot();
      let n = 0;
      for (const [k, v] of Object.entries(s.counters)) if (k === 'dnsmasq.records' || k.startsWith('dnsmasq.ignored.')) n += v;
      for (const [k, v] of Object.entries(s.dropped)) if (k.startsWith('dnsmasq.')) n += v;
      eq(n, fed, `${m}: every line counted once`);
      ok((s.dropped['dnsmasq.framing_mismatch'] ?? 0) > 500, `${m}: mismatches seen`);
      ok((s.counters['dnsmasq.records'] ?? 0) > 300, `${m}: records seen`);
    }
  },
};
