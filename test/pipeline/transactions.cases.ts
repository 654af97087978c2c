import type { Cases } from '../support/cases';
import { deepEq, eq, ok, seeded } from '../support/check';
import { Counters } from '../../src/counters';
import type { DnsEvent, PdnsEvent } from '../../src/events';
import { DnsmasqLineParser } from '../../src/sources/dnsmasq/parser';
import { TransactionAssembler, withDevice } from '../../src/pipeline/transactions';
import { encodeDnsLine, encodeNdjson } from '../../src/codec/ndjson';
import { buildDnsEvent } from '../../src/pipeline/dns-event';

const EXTRA = 'lab-basic/dnsmasq-extra.log';
const CLASSIC = 'lab-basic/dnsmasq-classic.log';
const LOGREAD = 'lab-basic/logread-extra.txt';
export const FIXTURES = [EXTRA, CLASSIC, LOGREAD];

const T32 = Date.UTC(2026, 10, 22, 23, 45, 32) / 1000;
const T37 = Date.UTC(2026, 10, 22, 23, 45, 37) / 1000;

interface Run {
  events: DnsEvent[];
  ndjson: string[];
  counters: Counters;
  asm: TransactionAssembler;
  feed: (lines: string[]) => void;
}

function run(opts: { timeoutSec?: number; maxOpen?: number; flush?: boolean } = {}, input: string[] = []): Run {
  const counters = new Counters();
  const parser = new DnsmasqLineParser({ counters, year: 2026 });
  const events: DnsEvent[] = [];
  const ndjson: string[] = [];
  const asm = new TransactionAssembler({
    counters, sensor: 'lab', timeoutSec: opts.timeoutSec, maxOpen: opts.maxOpen,
    emit: (ev) => {
      events.push(ev);
      ndjson.push(encodeNdjson(ev));
    },
  });
  const feed = (lines: string[]) => {
    for (const l of lines) {
      if (l === '') continue;
      const r = parser.parse(l);
      if (r !== null) asm.push(r);
    }
  };
  feed(input);
  if (opts.flush !== false) asm.flush();
  return { events, ndjson, counters, asm, feed };
}

const lines = (t: string) => t.split('\n');
/** Log-facility lines at 23:45:SS of the fixture day. */
const at = (sec: number, msg: string, pid = 8830) => `Nov 22 23:45:${String(sec).padStart(2, '0')} dnsmasq[${pid}]: ${msg}`;

// The fixture's transactions, written out by hand from the log (docs/events.md field order).
const EXTRA_EVENTS = [
  `{"type":"dns","ts":${T32},"sensor":"lab","client":"192.0.2.10","client_port":56774,"qname":"www.shop.test","qtype":"A","source":"forwarded","upstream":"198.51.100.53","rcode":"NOERROR","answers":[{"name":"www.shop.test","type":"A","data":"198.51.100.80"}],"id":1}`,
  `{"type":"dns","ts":${T32},"sensor":"lab","client":"192.0.2.10","client_port":48049,"qname":"cdn.shop.test","qtype":"A","source":"forwarded","upstream":"198.51.100.53","rcode":"NOERROR","answers":[{"name":"cdn.shop.test","type":"CNAME","data":"www.shop.test"},{"name":"www.shop.test","type":"A","data":"198.51.100.80"}],"id":2}`,
  `{"type":"dns","ts":${T32},"sensor":"lab","client":"192.0.2.10","client_port":53934,"qname":"img.shop.test","qtype":"A","source":"forwarded","upstream":"198.51.100.53","rcode":"NOERROR","answers":[{"name":"img.shop.test","type":"CNAME","data":"cdn.shop.test"},{"name":"cdn.shop.test","type":"CNAME","data":"www.shop.test"},{"name":"www.shop.test","type":"A","data":"198.51.100.80"}],"id":3}`,
  `{"type":"dns","ts":${T32},"sensor":"lab","client":"192.0.2.10","client_port":38630,"qname":"x.evil.test","qtype":"A","source":"forwarded","upstream":"198.51.100.53","rcode":"NOERROR","answers":[{"name":"x.evil.test","type":"A","data":"198.51.100.66"}],"id":4}`,
  `{"type":"dns","ts":${T32},"sensor":"lab","client":"192.0.2.10","client_port":41952,"qname":"nosuch.shop.test","qtype":"A","source":"forwarded","upstream":"198.51.100.53","rcode":"REFUSED","answers":[],"id":5}`,
  `{"type":"dns","ts":${T32},"sensor":"lab","client":"192.0.2.10","client_port":38147,"qname":"www.shop.test","qtype":"A","source":"cached","rcode":"NOERROR","answers":[{"name":"www.shop.test","type":"A","data":"198.51.100.80"}],"id":6}`,
  `{"type":"dns","ts":${T32},"sensor":"lab","client":"192.0.2.10","client_port":34403,"qname":"www.shop.test","qtype":"AAAA","source":"forwarded","upstream":"198.51.100.53","rcode":"NOERROR","answers":[{"name":"www.shop.test","type":"AAAA","data":"2001:db8:2::80"}],"id":7}`,
  `{"type":"dns","ts":${T32},"sensor":"lab","client":"192.0.2.10","client_port":36180,"qname":"shop.test","qtype":"MX","source":"forwarded","upstream":"198.51.100.53","rcode":"NOERROR","answers":[{"name":"shop.test","type":"MX","data":null}],"id":8}`,
  `{"type":"dns","ts":${T32},"sensor":"lab","client":"192.0.2.10","client_port":48628,"qname":"shop.test","qtype":"TXT","source":"forwarded","upstream":"198.51.100.53","rcode":"NOERROR","answers":[{"name":"shop.test","type":"TXT","data":"v=spf1 -all"}],"id":9}`,
  `{"type":"dns","ts":${T32},"sensor":"lab","client":"192.0.2.10","client_port":34226,"qname":"80.100.51.198.in-addr.arpa","qtype":"PTR","source":"forwarded","upstream":"198.51.100.53","rcode":"NOERROR","answers":[{"name":"80.100.51.198.in-addr.arpa","type":"PTR","data":"www.shop.test"}],"id":10}`,
  `{"type":"dns","ts":${T32},"sensor":"lab","client":"192.0.2.10","client_port":35204,"qname":"tracker.ads.test","qtype":"A","source":"config","rcode":"NOERROR","answers":[{"name":"tracker.ads.test","type":"A","data":"0.0.0.0"}],"blocked":true,"id":11}`,
  `{"type":"dns","ts":${T32},"sensor":"lab","client":"192.0.2.10","client_port":47726,"qname":"tracker.ads.test","qtype":"AAAA","source":"config","rcode":"NOERROR","answers":[{"name":"tracker.ads.test","type":"AAAA","data":"::"}],"blocked":true,"id":12}`,
  `{"type":"dns","ts":${T32},"sensor":"lab","client":"192.0.2.10","client_port":54870,"qname":"router.lan","qtype":"A","source":"hosts","rcode":"NOERROR","answers":[{"name":"router.lan","type":"A","data":"192.0.2.1"}],"id":13}`,
  `{"type":"dns","ts":${T32},"sensor":"lab","client":"192.0.2.10","client_port":51036,"qname":"nothere.lan","qtype":"A","source":"config","rcode":"NXDOMAIN","answers":[],"blocked":true,"id":14}`,
  `{"type":"dns","ts":${T32},"sensor":"lab","client":"2001:db8:1::10","client_port":57503,"qname":"www.shop.test","qtype":"A","source":"cached","rcode":"NOERROR","answers":[{"name":"www.shop.test","type":"A","data":"198.51.100.80"}],"id":15}`,
  `{"type":"dns","ts":${T32},"sensor":"lab","client":"192.0.2.11","client_port":57693,"qname":"www.shop.test","qtype":"HTTPS","source":"forwarded","upstream":"198.51.100.53","rcode":"REFUSED","answers":[],"id":16}`,
  `{"type":"dns","ts":${T32},"sensor":"lab","client":"192.0.2.10","client_port":59684,"qname":"we!rd_na<me>.shop.test","qtype":"A","source":"forwarded","upstream":"198.51.100.53","rcode":"REFUSED","answers":[],"id":17}`,
];

const CLASSIC_EVENTS = [
  `{"type":"dns","ts":${T37},"sensor":"lab","client":"192.0.2.10","qname":"www.shop.test","qtype":"A","source":"forwarded","upstream":"198.51.100.53","rcode":"NOERROR","answers":[{"name":"www.shop.test","type":"A","data":"198.51.100.80"}]}`,
  `{"type":"dns","ts":${T37},"sensor":"lab","client":"192.0.2.10","qname":"img.shop.test","qtype":"A","source":"forwarded","upstream":"198.51.100.53","rcode":"NOERROR","answers":[{"name":"img.shop.test","type":"CNAME","data":"cdn.shop.test"},{"name":"cdn.shop.test","type":"CNAME","data":"www.shop.test"},{"name":"www.shop.test","type":"A","data":"198.51.100.80"}]}`,
  `{"type":"dns","ts":${T37},"sensor":"lab","client":"192.0.2.10","qname":"x.ads.test","qtype":"A","source":"config","rcode":"NOERROR","answers":[{"name":"x.ads.test","type":"A","data":"0.0.0.0"}],"blocked":true}`,
  `{"type":"dns","ts":${T37},"sensor":"lab","client":"192.0.2.10","qname":"www.shop.test","qtype":"A","source":"cached","rcode":"NOERROR","answers":[{"name":"www.shop.test","type":"A","data":"198.51.100.80"}]}`,
  `{"type":"dns","ts":${T37},"sensor":"lab","client":"192.0.2.10","qname":"nosuch.shop.test","qtype":"A","source":"forwarded","upstream":"198.51.100.53","rcode":"REFUSED","answers":[]}`,
];

export const cases: Cases = {
  'extra fixture: one event per query, as written out by hand': ({ fixture }) => {
    const r = run({}, lines(fixture(EXTRA)));
    deepEq(r.ndjson, EXTRA_EVENTS);
    eq(r.counters.get('dns.events'), 17);
    eq(Object.keys(r.counters.snapshot().dropped).length, 0, 'nothing dropped');
    eq(r.asm.openCount(), 0);
  },

  'extra fixture: events leave as soon as the next transaction starts (no flush needed)': ({ fixture }) => {
    const r = run({ flush: false }, lines(fixture(EXTRA)));
    // The last three (cached / REFUSED / REFUSED) end on the next line or on the exit line's
    // second; only the last, whose answer could still be going on, is held.
    eq(r.ndjson.length, 16);
    eq(r.asm.openCount(), 1);
    r.asm.tick(T32 + 1);
    deepEq(r.ndjson, EXTRA_EVENTS);
  },

  'logread fixture: the same events as the log-facility file': ({ fixture }) => {
    deepEq(run({}, lines(fixture(LOGREAD))).ndjson, EXTRA_EVENTS);
  },

  'classic fixture: best-effort assembly by name': ({ fixture }) => {
    const r = run({}, lines(fixture(CLASSIC)));
    deepEq(r.ndjson, CLASSIC_EVENTS);
    eq(Object.keys(r.counters.snapshot().dropped).length, 0, 'nothing dropped');
  },

  'two pids in one log: extra and classic fixtures interleaved keep their events': ({ fixture }) => {
    const a = lines(fixture(EXTRA)).filter((l) => l !== '');
    const b = lines(fixture(CLASSIC)).filter((l) => l !== '');
    const mixed: string[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (i < a.length) mixed.push(a[i]);
      if (i < b.length) mixed.push(b[i]);
    }
    const r = run({}, mixed);
    deepEq(r.ndjson.filter((l) => l.includes('"id":')), EXTRA_EVENTS);
    deepEq(r.ndjson.filter((l) => !l.includes('"id":')), CLASSIC_EVENTS);
  },

  'TCP child: its own pid and overlapping serials, interleaved with the parent': () => {
    const r = run({}, [
      at(1, '7 192.0.2.10/40000 query[A] a.test from 192.0.2.10'),
      at(1, '7 192.0.2.10/40000 forwarded a.test to 198.51.100.53'),
      at(1, '7 192.0.2.11/50000 query[TXT] big.test from 192.0.2.11', 9001),
      at(1, '7 192.0.2.11/50000 forwarded big.test to 198.51.100.53', 9001),
      at(1, '7 192.0.2.10/40000 reply a.test is 198.51.100.1'),
      at(1, '7 192.0.2.11/50000 reply big.test is hello', 9001),
      at(1, '8 192.0.2.10/40001 query[A] b.test from 192.0.2.10'),
      at(1, '7 192.0.2.11/50000 reply big.test is world', 9001),
      at(1, '8 192.0.2.10/40001 cached b.test is 198.51.100.2'),
    ]);
    deepEq(r.events.map((e) => [e.qname, e.id, e.client_port, e.answers.map((x) => x.data)]), [
      ['a.test', 7, 40000, ['198.51.100.1']],
      ['big.test', 7, 50000, ['hello', 'world']],
      ['b.test', 8, 40001, ['198.51.100.2']],
    ]);
  },

  'synthetic answers: stale, TYPE65, port upstream, NODATA, NXDOMAIN, SERVFAIL+EDE, DNSSEC, DHCP': () => {
    const r = run({}, [
      at(1, '1 192.0.2.10/1 query[A] s.test from 192.0.2.10'),
      at(1, '1 192.0.2.10/1 cached-stale s.test is 198.51.100.5'),
      at(1, '2 192.0.2.10/2 query[type=65] h.test from 192.0.2.10'),
      at(1, '2 192.0.2.10/2 forwarded h.test to 203.0.113.53#5353'),
      at(1, '2 192.0.2.10/2 reply h.test is <type=65>'),
      at(1, '3 192.0.2.10/3 query[A] v6only.test from 192.0.2.10'),
      at(1, '3 192.0.2.10/3 forwarded v6only.test to 198.51.100.53'),
      at(1, '3 192.0.2.10/3 reply v6only.test is NODATA-IPv4'),
      at(1, '4 192.0.2.10/4 query[A] gone.test from 192.0.2.10'),
      at(1, '4 192.0.2.10/4 forwarded gone.test to 198.51.100.53'),
      at(1, '4 192.0.2.10/4 reply gone.test is NXDOMAIN'),
      at(1, '5 192.0.2.10/5 query[A] broken.test from 192.0.2.10'),
      at(1, '5 192.0.2.10/5 forwarded broken.test to 198.51.100.53'),
      at(1, '5 192.0.2.10/5 reply error is SERVFAIL (EDE: 22)'),
      at(1, '6 192.0.2.10/6 query[A] signed.test from 192.0.2.10'),
      at(1, '6 192.0.2.10/6 forwarded signed.test to 198.51.100.53'),
      at(1, '6 dnssec-query[DNSKEY] signed.test to 198.51.100.53'),
      at(1, '6 reply signed.test is DNSKEY keytag 20326, algo 8'),
      at(1, '6 192.0.2.10/6 validation result is SECURE'),
      at(1, '6 192.0.2.10/6 reply signed.test is 198.51.100.6 (DNSSEC signed)'),
      at(1, '7 192.0.2.10/7 query[A] bad.test from 192.0.2.10'),
      at(1, '7 192.0.2.10/7 forwarded bad.test to 198.51.100.53'),
      at(1, '7 192.0.2.10/7 validation bad.test is BOGUS (EDE: DNSSEC bogus)'),
      at(1, '7 192.0.2.10/7 reply error is SERVFAIL (EDE: DNSSEC bogus)'),
      at(1, '8 192.0.2.10/8 query[A] laptop.lan from 192.0.2.10'),
      at(1, '8 192.0.2.10/8 DHCP laptop.lan is 192.0.2.10'),
      at(1, '9 192.0.2.10/9 query[A] a.cname.test from 192.0.2.10'),
      at(1, '9 192.0.2.10/9 forwarded a.cname.test to 198.51.100.53'),
      at(1, '9 192.0.2.10/9 reply a.cname.test is <CNAME>'),
      at(1, '9 192.0.2.10/9 reply b.cname.test is NXDOMAIN'),
      at(1, '10 192.0.2.10/10 query[A] ads.test from 192.0.2.10'),
      at(1, '10 192.0.2.10/10 /tmp/adblock.hosts ads.test is 0.0.0.0'),
    ]);
    const pick = (e: DnsEvent) => {
      const { type, ts, sensor, client, client_port, id, ...rest } = e;
      return rest;
    };
    deepEq(r.events.map(pick), [
      { qname: 's.test', qtype: 'A', source: 'stale', rcode: 'NOERROR', answers: [{ name: 's.test', type: 'A', data: '198.51.100.5' }] },
      { qname: 'h.test', qtype: 'TYPE65', source: 'forwarded', upstream: '203.0.113.53#5353', rcode: 'NOERROR', answers: [{ name: 'h.test', type: 'TYPE65', data: null }] },
      { qname: 'v6only.test', qtype: 'A', source: 'forwarded', upstream: '198.51.100.53', rcode: 'NOERROR', answers: [] },
      { qname: 'gone.test', qtype: 'A', source: 'forwarded', upstream: '198.51.100.53', rcode: 'NXDOMAIN', answers: [] },
      { qname: 'broken.test', qtype: 'A', source: 'forwarded', upstream: '198.51.100.53', rcode: 'SERVFAIL', answers: [] },
      { qname: 'signed.test', qtype: 'A', source: 'forwarded', upstream: '198.51.100.53', rcode: 'NOERROR', answers: [{ name: 'signed.test', type: 'A', data: '198.51.100.6' }], dnssec: 'SECURE' },
      { qname: 'bad.test', qtype: 'A', source: 'forwarded', upstream: '198.51.100.53', rcode: 'SERVFAIL', answers: [], dnssec: 'BOGUS' },
      { qname: 'laptop.lan', qtype: 'A', source: 'dhcp', rcode: 'NOERROR', answers: [{ name: 'laptop.lan', type: 'A', data: '192.0.2.10' }] },
      { qname: 'a.cname.test', qtype: 'A', source: 'forwarded', upstream: '198.51.100.53', rcode: 'NXDOMAIN', answers: [{ name: 'a.cname.test', type: 'CNAME', data: 'b.cname.test' }] },
      { qname: 'ads.test', qtype: 'A', source: 'hosts', rcode: 'NOERROR', answers: [{ name: 'ads.test', type: 'A', data: '0.0.0.0' }], blocked: true },
    ]);
    eq(Object.keys(r.counters.snapshot().dropped).length, 0, 'no drops');
  },

  'timeout: an unanswered query is emitted complete:false, in order, after timeoutSec': () => {
    const r = run({ timeoutSec: 10, flush: false }, [
      at(1, '1 192.0.2.10/1 query[A] slow.test from 192.0.2.10'),
      at(1, '1 192.0.2.10/1 forwarded slow.test to 198.51.100.99'),
      at(2, '2 192.0.2.10/2 query[A] fast.test from 192.0.2.10'),
      at(2, '2 192.0.2.10/2 cached fast.test is 198.51.100.1'),
      at(3, '3 192.0.2.10/3 query[A] next.test from 192.0.2.10'),
    ]);
    eq(r.events.length, 0, 'fast.test is held behind slow.test');
    r.asm.tick(T32 - 31 + 10);
    eq(r.events.length, 0, 'not yet: exactly timeoutSec');
    r.asm.tick(T32 - 31 + 11);
    deepEq(r.ndjson.slice(0, 1), [`{"type":"dns","ts":${T32 - 31},"sensor":"lab","client":"192.0.2.10","client_port":1,"qname":"slow.test","qtype":"A","source":"forwarded","upstream":"198.51.100.99","answers":[],"id":1,"complete":false}`]);
    deepEq(r.events.map((e) => e.qname), ['slow.test', 'fast.test']);
    eq(r.counters.get('dns.timeout'), 1);
    r.asm.flush();
    deepEq(r.events.map((e) => [e.qname, e.complete]), [['slow.test', false], ['fast.test', undefined], ['next.test', false]]);
  },

  'timeouts also run on log time: a late line ends what is overdue': () => {
    const r = run({ timeoutSec: 5, flush: false }, [
      at(1, '1 192.0.2.10/1 query[A] lost.test from 192.0.2.10'),
      at(1, '1 192.0.2.10/1 forwarded lost.test to 198.51.100.99'),
      at(9, '2 192.0.2.10/2 query[A] later.test from 192.0.2.10'),
    ]);
    deepEq(r.events.map((e) => [e.qname, e.complete]), [['lost.test', false]]);
  },

  'a reply that arrives after its transaction timed out is counted, not merged': () => {
    const r = run({ timeoutSec: 2 }, [
      at(1, '1 192.0.2.10/1 query[A] slow.test from 192.0.2.10'),
      at(5, '2 192.0.2.10/2 query[A] other.test from 192.0.2.10'),
      at(5, '1 192.0.2.10/1 reply slow.test is 198.51.100.1'),
    ]);
    eq(r.events[0].complete, false);
    eq(r.counters.dropped('dns.orphan_line'), 1);
  },

  'maxOpen: the oldest is forced out and the overflow counted': () => {
    const input: string[] = [];
    for (let i = 1; i <= 6; i++) input.push(at(1, `${i} 192.0.2.10/${i} query[A] q${i}.test from 192.0.2.10`), at(1, `${i} 192.0.2.10/${i} forwarded q${i}.test to 198.51.100.53`));
    const r = run({ maxOpen: 4, flush: false }, input);
    eq(r.counters.dropped('dns.txn_overflow'), 2);
    deepEq(r.events.map((e) => [e.qname, e.complete]), [['q1.test', false], ['q2.test', false]]);
    eq(r.asm.openCount(), 4);
  },

  'answers per transaction are capped': () => {
    const input = [at(1, '1 192.0.2.10/1 query[TXT] many.test from 192.0.2.10')];
    for (let i = 0; i < 70; i++) input.push(at(1, `1 192.0.2.10/1 cached many.test is t${i}`));
    const r = run({}, input);
    eq(r.events[0].answers.length, 64);
    eq(r.counters.dropped('dns.answers_capped'), 6);
  },

  'a reused serial closes the old transaction and is counted': () => {
    const r = run({}, [
      at(1, '1 192.0.2.10/1 query[A] one.test from 192.0.2.10'),
      at(1, '1 192.0.2.10/2 query[A] two.test from 192.0.2.10'),
      at(1, '1 192.0.2.10/2 cached two.test is 198.51.100.2'),
    ]);
    deepEq(r.events.map((e) => [e.qname, e.complete]), [['one.test', false], ['two.test', undefined]]);
    eq(r.counters.dropped('dns.serial_reuse'), 1);
  },

  'classic: concurrent A and AAAA of one name are not swapped; errors go to the forwarded one': () => {
    const c = (sec: number, msg: string) => at(sec, msg, 700);
    const r = run({}, [
      c(1, 'query[A] dual.test from 192.0.2.10'),
      c(1, 'query[AAAA] dual.test from 192.0.2.10'),
      c(1, 'forwarded dual.test to 198.51.100.53'),
      c(1, 'forwarded dual.test to 198.51.100.53'),
      c(1, 'query[A] local.lan from 192.0.2.11'),
      c(1, '/etc/hosts local.lan is 192.0.2.1'),
      c(1, 'reply dual.test is 2001:db8::1'),
      c(1, 'reply dual.test is 198.51.100.1'),
      c(1, 'reply dual.test is 198.51.100.2'),
      c(1, 'query[PTR] 1.100.51.198.in-addr.arpa from 192.0.2.10'),
      c(1, 'forwarded 1.100.51.198.in-addr.arpa to 198.51.100.53'),
      c(1, 'query[A] down.test from 192.0.2.10'),
      c(1, 'forwarded down.test to 198.51.100.53'),
      c(1, 'reply 198.51.100.1 is dual.test'),
      c(1, 'reply error is SERVFAIL'),
    ]);
    deepEq(r.events.map((e) => [e.qname, e.qtype, e.client, e.rcode, e.answers.map((a) => `${a.name} ${a.type} ${a.data}`)]), [
      ['dual.test', 'A', '192.0.2.10', 'NOERROR', ['dual.test A 198.51.100.1', 'dual.test A 198.51.100.2']],
      ['dual.test', 'AAAA', '192.0.2.10', 'NOERROR', ['dual.test AAAA 2001:db8::1']],
      ['local.lan', 'A', '192.0.2.11', 'NOERROR', ['local.lan A 192.0.2.1']],
      ['1.100.51.198.in-addr.arpa', 'PTR', '192.0.2.10', 'NOERROR', ['1.100.51.198.in-addr.arpa PTR dual.test']],
      ['down.test', 'A', '192.0.2.10', 'SERVFAIL', []],
    ]);
  },

  'classic: an IPv6 reverse answer is matched and named by its ip6.arpa owner (any spelling, a dotted tail)': () => {
    const c = (sec: number, msg: string) => at(sec, msg, 700);
    const arpa = '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa';
    const mapped = '1.0.2.0.0.0.0.c.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa';
    const r = run({}, [
      c(1, `query[PTR] ${arpa} from 192.0.2.10`),
      c(1, `forwarded ${arpa} to 198.51.100.53`),
      c(1, 'reply 2001:DB8:0::1 is v6.test'),
      c(1, `query[PTR] ${mapped} from 192.0.2.10`),
      c(1, 'config ::ffff:192.0.2.1 is router.lan'),
      c(1, 'query[A] odd.test from 192.0.2.10'),
      c(1, 'forwarded odd.test to 198.51.100.53'),
      c(1, 'reply 1::2::3 is odd.test'),
    ]);
    deepEq(r.events.map((e) => [e.qname, e.rcode, e.answers.map((a) => `${a.name} ${a.type} ${a.data}`)]), [
      [arpa, 'NOERROR', [`${arpa} PTR v6.test`]],
      [mapped, 'NOERROR', [`${mapped} PTR router.lan`]],
      // not an address: no owner name to match by, an orphan
      ['odd.test', undefined, []],
    ]);
    eq(r.counters.dropped('dns.orphan_line'), 1);
  },

  'device lookup places mac and hostname in schema order; withDevice does the same': ({ fixture }) => {
    const counters = new Counters();
    const parser = new DnsmasqLineParser({ counters, year: 2026 });
    const out: string[] = [];
    const asm = new TransactionAssembler({
      counters, sensor: 'lab', emit: (ev) => out.push(encodeNdjson(ev)),
      lookupDevice: (ip) => (ip === '192.0.2.10' ? { mac: '02:00:5e:10:00:0a', hostname: 'laptop-anna' } : undefined),
    });
    for (const l of lines(fixture(EXTRA))) {
      const r = l === '' ? null : parser.parse(l);
      if (r !== null) asm.push(r);
    }
    asm.flush();
    eq(out[0], EXTRA_EVENTS[0].replace('"client_port":56774,', '"client_port":56774,"mac":"02:00:5e:10:00:0a","hostname":"laptop-anna",'));
    eq(out[15], EXTRA_EVENTS[15], 'unknown client untouched');
    const plain = JSON.parse(EXTRA_EVENTS[0]) as DnsEvent;
    eq(JSON.stringify(withDevice(plain, { mac: '02:00:5e:10:00:0a', hostname: 'laptop-anna' })), out[0]);
  },

  'NDJSON: equals JSON.stringify for every field, escapes hostile names': () => {
    const full: Required<DnsEvent> = {
      type: 'dns', ts: 1.5, sensor: 's"1', client: '192.0.2.1', client_port: 1, mac: 'm', hostname: 'h\\o',
      qname: 'q', qtype: 'A', source: 'config', upstream: 'u#53', rcode: 'NXDOMAIN',
      answers: [{ name: 'a', type: 'A', data: null }, { name: 'b', type: 'TXT', data: 'x\u0001y' }],
      blocked: true, dnssec: 'BOGUS', id: 7, complete: false,
    };
    eq(encodeNdjson(full), JSON.stringify(full));
    const rnd = seeded(7);
    const pool = ['"', '\\', '\u0000', '\u001f', '\ud800', '\udfff', 'é', '\u2028', '<', ' ', 'a', '.'];
    for (let i = 0; i < 300; i++) {
      let name = '';
      for (let k = 0; k < 8; k++) name += pool[Math.floor(rnd() * pool.length)];
      const ev: DnsEvent = { type: 'dns', ts: 1, sensor: 's', client: name, qname: name, qtype: 'A', answers: [{ name, type: 'A', data: name }] };
      const line = encodeNdjson(ev);
      eq(line, JSON.stringify(ev), JSON.stringify(name));
      deepEq(JSON.parse(line), ev);
      eq(encodeNdjson(ev), line, 'second time (from the clean-string memo) is the same');
    }
    const flow = { type: 'flow', ts: 1, sensor: 's', proto: 'tcp', orig_h: 'a', resp_h: 'b' } as const;
    eq(encodeNdjson(flow), JSON.stringify(flow));
  },

  'NDJSON: pdns events (as PassiveDns builds them) equal JSON.stringify, hostile strings too': () => {
    const full: Required<PdnsEvent> = {
      type: 'pdns', ts: 1795334400, sensor: 's"1', rrname: 'a\\b', rrtype: 'A', rdata: ['192.0.2.1', 'x\u0001y'],
      time_first: 1795334399, time_last: 1795334400, count: 3, sensor_id: 's"1', bailiwick: 'b',
    };
    eq(encodeNdjson(full), JSON.stringify(full));
    const rnd = seeded(8);
    const pool = ['"', '\\', '\u0000', '\u001f', '\ud800', 'é', '\u2028', 'a', '.'];
    for (let i = 0; i < 200; i++) {
      let v = '';
      for (let k = 0; k < 6; k++) v += pool[Math.floor(rnd() * pool.length)];
      const ev: PdnsEvent = {
        type: 'pdns', ts: i, sensor: 's', rrname: v, rrtype: v, rdata: i % 3 === 0 ? [] : [v, 'z' + v],
        time_first: 0, time_last: i, count: i, sensor_id: v,
      };
      eq(encodeNdjson(ev), JSON.stringify(ev), JSON.stringify(v));
    }
  },

  'direct lines: emitTransaction + encodeDnsLine write what buildDnsEvent + encodeNdjson would, on every fixture': ({ fixture }) => {
    const lookup = (ip: string) => (ip === '192.0.2.10' ? { mac: '02:00:5e:10:00:0a', hostname: 'laptop-anna' } : ip === '127.0.0.1' ? { hostname: 'lo' } : undefined);
    for (const fx of [EXTRA, CLASSIC, LOGREAD]) {
      for (const lookupDevice of [undefined, lookup]) {
        const counters = new Counters();
        const parser = new DnsmasqLineParser({ counters, year: 2026 });
        const direct: string[] = [];
        const viaEvent: string[] = [];
        let n = 0;
        const asm = new TransactionAssembler({
          counters, sensor: 'lab', lookupDevice, timeoutSec: 2,
          emit: (ev) => viaEvent.push(encodeNdjson(ev)),
          emitTransaction: (t) => {
            const dev = t.client !== undefined && lookupDevice !== undefined ? lookupDevice(t.client) : undefined;
            const line = encodeDnsLine(t, 'lab', dev);
            eq(line, encodeNdjson(buildDnsEvent(t, 'lab', lookupDevice)), `${fx} #${n}`);
            // every other one is declined: the assembler must then build and emit the event
            if (n++ % 2 === 0) return false;
            direct.push(line);
            return true;
          },
        });
        for (const l of lines(fixture(fx))) {
          const r = l === '' ? null : parser.parse(l);
          if (r !== null) asm.push(r);
        }
        asm.flush();
        ok(n >= 5, `${fx}: transactions seen (${n})`);
        eq(direct.length + viaEvent.length, n, 'each transaction once, one way or the other');
        eq(counters.get('dns.events'), n);
        eq(counters.get('dns.emit_error'), 0);
      }
    }
  },

  'direct lines: hostile strings in every field, every optional field present or absent': () => {
    const rnd = seeded(11);
    const pool = ['"', '\\', '\u0000', '\u001f', '\ud800', '\udfff', 'é', '\u2028', '<', ' ', 'a', '.', ':', '#'];
    const pick = (): string => {
      let v = '';
      for (let k = 0; k < 1 + Math.floor(rnd() * 6); k++) v += pool[Math.floor(rnd() * pool.length)];
      return v;
    };
    const maybe = <T>(v: T): T | undefined => (rnd() < 0.5 ? v : undefined);
    const sources = ['forwarded', 'cached', 'stale', 'config', 'hosts', 'dhcp', 'local'] as const;
    const dnssecs = ['SECURE', 'INSECURE', 'BOGUS', 'ABANDONED'] as const;
    for (let i = 0; i < 400; i++) {
      const ans: (string | null)[] = [];
      for (let k = Math.floor(rnd() * 3); k > 0; k--) ans.push(pick(), pick(), rnd() < 0.3 ? null : pick());
      const t = {
        key: 0, pid: 1, serial: rnd() < 0.5 ? -1 : Math.floor(rnd() * 5), ts: 1795334400 + i / 4, lastTs: 0,
        client: maybe(pick()), clientPort: maybe(Math.floor(rnd() * 65536)), qname: pick(), qtype: pick(),
        source: maybe(sources[i % sources.length]), upstream: maybe(pick()), rcode: maybe(pick()), ans,
        cnameAt: -1, blocked: rnd() < 0.3, dnssec: maybe(dnssecs[i % dnssecs.length]), answered: rnd() < 0.7,
        done: true, listed: false, lastName: '',
      };
      const dev = rnd() < 0.5 ? { mac: maybe(pick()), hostname: maybe(pick()) } : undefined;
      const sensor = i % 50 === 0 ? pick() : 'lab';
      const line = encodeDnsLine(t, sensor, dev);
      const ev = buildDnsEvent(t, sensor, () => dev);
      eq(line, encodeNdjson(ev), `#${i}`);
      eq(line, JSON.stringify(ev), `#${i} JSON.stringify`);
    }
  },

  'direct lines: answers repeating names and types (the writer\'s last-answer text), clean and hostile, one event after another': () => {
    const rnd = seeded(12);
    const names = ['a.test', 'b.test', 'c"d', 'e\\f', '', 'g\u0001', 'a.test'];
    const types = ['A', 'AAAA', 'CNAME', 'MX', 'T"X', 'HTTPS'];
    const datas = [null, '192.0.2.1', '2001:db8::1', 'x"y', '\ud800', 'b.test', '', 'a b'];
    const pick = <T>(from: readonly T[]): T => from[Math.floor(rnd() * from.length)];
    const combos = [undefined, 'NOERROR', 'NXDOMAIN', 'R"X'];
    for (let i = 0; i < 600; i++) {
      const ans: (string | null)[] = [];
      const name = pick(names);
      const type = pick(types);
      for (let k = Math.floor(rnd() * 5); k > 0; k--) {
        if (rnd() < 0.7) ans.push(name, type, pick(datas));
        else ans.push(pick(names), pick(types), pick(datas));
      }
      const t = {
        key: 0, pid: 1, serial: i % 3 === 0 ? -1 : i, ts: 1795334400 + (i >> 3), lastTs: 0,
        client: '192.0.2.' + (i % 4), clientPort: 1000 + i, qname: pick(names), qtype: pick(types),
        source: rnd() < 0.2 ? undefined : (['forwarded', 'cached', 'config'] as const)[i % 3],
        upstream: rnd() < 0.5 ? undefined : pick(['198.51.100.53', '203.0.113.53#5353', 'u"p']), rcode: pick(combos), ans,
        cnameAt: -1, blocked: rnd() < 0.1, dnssec: undefined, answered: rnd() < 0.9, done: true, listed: false, lastName: '',
      };
      const line = encodeDnsLine(t, 'lab');
      const ev = buildDnsEvent(t, 'lab');
      eq(line, JSON.stringify(ev), `#${i}`);
      eq(encodeNdjson(ev), line, `#${i} event path`);
    }
  },

  'fuzz: mutated fixture lines through parser and assembler never throw; open stays bounded': ({ fixture }) => {
    const rnd = seeded(99);
    const base = [...lines(fixture(EXTRA)), ...lines(fixture(CLASSIC))].filter((l) => l !== '');
    const r = run({ maxOpen: 32, flush: false });
    const junk = ' 0123456789/[]<>"\\\u0000.:#';
    for (let i = 0; i < 5000; i++) {
      let s = base[Math.floor(rnd() * base.length)];
      if (rnd() < 0.7) {
        const k = Math.floor(rnd() * s.length);
        s = s.slice(0, k) + junk[Math.floor(rnd() * junk.length)] + s.slice(k + (rnd() < 0.5 ? 1 : 0));
      }
      r.feed([s]);
      ok(r.asm.openCount() <= 32, 'bounded');
      if (i % 500 === 0) r.asm.tick(T32 + i);
    }
    r.asm.flush();
    eq(r.asm.openCount(), 0);
    for (const line of r.ndjson) JSON.parse(line);
    ok(r.events.length > 100, 'events came out');
  },
};
