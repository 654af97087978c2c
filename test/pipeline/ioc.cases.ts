import type { Cases } from '../support/cases';
import type { AlertEvent } from '../../src/events';
import { eq, ok, deepEq } from '../support/check';
import { Counters } from '../../src/counters';
import { IocMatcher } from '../../src/pipeline/ioc';
import { fakeDns, fakeFlow } from './factories';

function make(opts: { maxIndicators?: number; maxBytes_?: number; repeatSec_?: number } = {}) {
  const out: AlertEvent[] = [];
  const counters = new Counters();
  const m = new IocMatcher({ sensor: 'rtr1', counters, emit: (a) => out.push(a), ...opts });
  return { m, out, counters };
}

const FEED = JSON.stringify({
  version: '2025-11-22.1', source: 'feed-x',
  domains: ['evil.test', { indicator: 'Bad.Example.', ref: 'feed-x#12' }, '*.wild.test'],
  ips: ['198.51.100.66', { indicator: '203.0.113.0/24', ref: 'feed-x#40' }, '2001:db8:bad::/48'],
});

export const cases: Cases = {
  'a qname under an indicator raises ioc_domain with the schema fields in order': () => {
    const { m, out } = make();
    deepEq(m.load_(FEED), { ok: true, domains: 3, cidrs: 3, skipped: 0 });
    const ev = fakeDns({ qname: 'x.evil.test', mac: '02:00:5e:10:00:0a', hostname: 'laptop-anna', answers: [] });
    m.checkDns_(ev);
    eq(out.length, 1);
    eq(JSON.stringify(out[0]), JSON.stringify({
      type: 'alert', ts: 1000, sensor: 'rtr1', kind: 'ioc_domain', client: '192.0.2.10', mac: '02:00:5e:10:00:0a',
      hostname: 'laptop-anna', indicator: 'evil.test', match: 'x.evil.test', source_ref: 'feed-x', event: ev,
    }));
  },
  'suffix matching is on label boundaries, case-insensitive, trailing dot ignored': () => {
    const { m, out } = make({ repeatSec_: 0 });
    m.load_(FEED);
    for (const q of ['evil.test', 'a.b.evil.test', 'EVIL.test.', 'notevil.test', 'evil.test.org', 'bad.example', 'x.wild.test', 'wild.test']) {
      m.checkDns_(fakeDns({ qname: q, answers: [] }));
    }
    deepEq(out.map((a) => a.match), ['evil.test', 'a.b.evil.test', 'EVIL.test.', 'bad.example', 'x.wild.test', 'wild.test']);
    eq(out[3].source_ref, 'feed-x#12');
  },
  'CNAME chain names and answer addresses are checked': () => {
    const { m, out } = make();
    m.load_(FEED);
    m.checkDns_(fakeDns({ qname: 'img.shop.test', answers: [
      { name: 'img.shop.test', type: 'CNAME', data: 'cdn.evil.test' },
      { name: 'cdn.evil.test', type: 'A', data: '203.0.113.9' },
    ] }));
    deepEq(out.map((a) => `${a.kind} ${a.indicator} ${a.match} ${a.source_ref}`), [
      'ioc_domain evil.test cdn.evil.test feed-x',
      'ioc_ip 203.0.113.0/24 203.0.113.9 feed-x#40',
    ]);
  },
  'flows: resp_h always, orig_h for inbound flows; the LAN host is the client': () => {
    const { m, out } = make();
    m.load_(FEED);
    m.checkFlow(fakeFlow({ resp_h: '198.51.100.66', mac: 'aa:bb:cc:dd:ee:ff' }));
    m.checkFlow(fakeFlow({ orig_h: '2001:db8:bad::5', resp_h: '192.0.2.10', dir: 'inbound' }));
    m.checkFlow(fakeFlow({ orig_h: '2001:db8:bad::5', resp_h: '192.0.2.10' }));
    deepEq(out.map((a) => `${a.client} ${a.indicator} ${a.match} ${a.mac ?? '-'}`), [
      '192.0.2.10 198.51.100.66 198.51.100.66 aa:bb:cc:dd:ee:ff',
      '192.0.2.10 2001:db8:bad::/48 2001:db8:bad::5 -',
    ]);
  },
  'repeats of the same client and indicator are suppressed for repeatSec': () => {
    const { m, out, counters } = make({ repeatSec_: 60 });
    m.load_(FEED);
    m.checkDns_(fakeDns({ ts: 100, qname: 'evil.test', answers: [] }));
    m.checkDns_(fakeDns({ ts: 130, qname: 'x.evil.test', answers: [] }));
    m.checkDns_(fakeDns({ ts: 130, qname: 'evil.test', client: '192.0.2.11', answers: [] }));
    m.checkDns_(fakeDns({ ts: 161, qname: 'evil.test', answers: [] }));
    eq(out.length, 3);
    eq(counters.get('ioc_alerts_suppressed'), 1);
  },
  'bad commands are rejected and keep the old list; bad entries are skipped and counted': () => {
    const { m, out, counters } = make({ maxIndicators: 8, maxBytes_: 400 });
    m.load_(JSON.stringify({ domains: ['evil.test'] }));
    for (const [payload, err] of [
      ['{', 'not JSON'], ['[]', 'expected an object'], ['{"domains":"x"}', 'domains is not an array'],
      [JSON.stringify({ domains: ['a.test', 'b.test', 'c.test', 'd.test', 'e.test'], ips: ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4'] }), 'exceed the limit of 8'],
      ['{"domains":["' + 'a'.repeat(500) + '"]}', 'exceeds 400'], [new Uint8Array([0x7b, 0xff, 0x7d]), 'not UTF-8'],
    ] as [string | Uint8Array, string][]) {
      const r = m.load_(payload);
      ok(!r.ok && (r.error ?? '').includes(err), `${String(payload).slice(0, 30)}: ${r.error}`);
    }
    m.checkDns_(fakeDns({ qname: 'evil.test', answers: [] }));
    eq(out.length, 1, 'old list still active');
    const r = m.load_(new TextEncoderLike().encode(JSON.stringify({ domains: ['ok.test', 'bad name', '', 5, 'a..b'], ips: ['300.1.1.1', '192.0.2.0/33', '192.0.2.7'] })));
    deepEq(r, { ok: true, domains: 1, cidrs: 1, skipped: 6 });
    eq(counters.dropped('ioc_bad_indicator'), 6);
    m.checkDns_(fakeDns({ qname: 'evil.test', ts: 5000, answers: [] }));
    eq(out.length, 1, 'the new list replaced the old');
  },
  'an address under several indicators is reported by the most specific one (exact address first)': () => {
    const { m, out } = make({ repeatSec_: 0 });
    deepEq(m.load_(JSON.stringify({ source: 's', ips: [
      { indicator: '203.0.0.0/8', ref: 'wide' }, { indicator: '203.0.113.0/24', ref: 'narrow' }, { indicator: '203.0.113.9', ref: 'exact' },
      { indicator: '203.0.113.0/24', ref: 'narrow-again' }, { indicator: '2001:db8::/32', ref: 'v6-wide' }, { indicator: '2001:db8:bad::/48', ref: 'v6-narrow' },
    ] })), { ok: true, domains: 0, cidrs: 6, skipped: 0 });
    for (const ip of ['203.0.113.9', '203.0.113.10', '203.1.2.3', '2001:db8:bad::1', '2001:db8:1::1', '::ffff:203.0.113.9', '198.51.100.1']) {
      m.checkFlow(fakeFlow({ resp_h: ip }));
    }
    deepEq(out.map((a) => `${a.match} ${a.indicator} ${a.source_ref}`), [
      '203.0.113.9 203.0.113.9 exact', '203.0.113.10 203.0.113.0/24 narrow', '203.1.2.3 203.0.0.0/8 wide',
      '2001:db8:bad::1 2001:db8:bad::/48 v6-narrow', '2001:db8:1::1 2001:db8::/32 v6-wide', '::ffff:203.0.113.9 203.0.113.9 exact',
    ]);
  },
  // max_indicators' default: 50,000 prefixes once cost ~2 kB each (a prefix set per rule: 112 MB
  // peak under qjs) and a hit walked every rule; now one table entry each
  '50,000 prefixes load and match': () => {
    const { m, out } = make();
    const ips: string[] = [];
    for (let i = 0; i < 50000; i++) ips.push(`${11 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.0/24`);
    deepEq(m.load_(JSON.stringify({ source: 's', ips })), { ok: true, domains: 0, cidrs: 50000, skipped: 0 });
    m.checkFlow(fakeFlow({ resp_h: '11.195.79.7' }));
    m.checkFlow(fakeFlow({ resp_h: '12.0.0.1' }));
    deepEq(out.map((a) => `${a.match} ${a.indicator}`), ['11.195.79.7 11.195.79.0/24']);
  },
};

/** ASCII-only stand-in for TextEncoder, which qjs lacks. */
class TextEncoderLike {
  encode(s: string): Uint8Array {
    return Uint8Array.from(s, (c) => c.charCodeAt(0));
  }
}
