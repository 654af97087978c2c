import type { Cases } from '../support/cases';
import { deepEq, eq, ok, seeded } from '../support/check';
import { Counters } from '../../src/counters';
import { AnswerJoin, type AnswerJoinDeps } from '../../src/pipeline/join';
import { fakeDns, fakeFlow } from './factories';
import { ReferenceJoin } from './join.reference';
import { AddressKeys, ipv4Value, ipv6Words } from '../../src/pipeline/join-address';
import { FREE, NameStore } from '../../src/pipeline/join-names';
import { formatIPv6, parseIPv4, parseIPv6 } from '../../src/pipeline/cidr';

function join(over: Partial<AnswerJoinDeps> = {}) {
  const counters = new Counters();
  return { j: new AnswerJoin({ counters, warmupSec: 0, ...over }), counters };
}

// The lab's 2-step CNAME chain (dnsmasq-extra.log, transaction 3), as the dns parser gives it.
const chain = fakeDns({
  ts: 1000, qname: 'img.shop.test',
  answers: [
    { name: 'img.shop.test', type: 'CNAME', data: 'cdn.shop.test' },
    { name: 'cdn.shop.test', type: 'CNAME', data: 'www.shop.test' },
    { name: 'www.shop.test', type: 'A', data: '198.51.100.80' },
  ],
});

export const cases: Cases = {
  'a flow after an answer gets the qname the client asked (not the CNAME target)': () => {
    const { j, counters } = join();
    j.learn(chain);
    const f = fakeFlow({ ts: 1000.4 });
    j.annotate(f, 'lan');
    eq(f.name, 'img.shop.test');
    eq(f.direct, undefined);
    eq(counters.get('join_named'), 1);
    eq(j.size(), 1);
  },

  'a flow to an address the client never resolved is direct': () => {
    const { j } = join();
    j.learn(chain);
    const f = fakeFlow({ resp_h: '198.51.100.66' });
    j.annotate(f, 'lan');
    eq(f.direct, true);
    eq(f.name, undefined);
  },

  'per-client isolation: another client\'s answer does not name my flow': () => {
    const { j } = join();
    j.learn(chain);
    const f = fakeFlow({ orig_h: '192.0.2.11' });
    j.annotate(f, 'lan');
    eq(f.name, undefined);
    eq(f.direct, true);
  },

  'answers older than ttlSec before the flow no longer join': () => {
    const { j } = join({ ttlSec: 900 });
    j.learn(fakeDns({ ts: 1000 }));
    const fresh = fakeFlow({ ts: 1900 });
    j.annotate(fresh, 'lan');
    eq(fresh.name, 'www.shop.test');
    const stale = fakeFlow({ ts: 1901 });
    j.annotate(stale, 'lan');
    eq(stale.name, undefined);
    eq(stale.direct, true);
  },

  'an answer logged after the flow started (beyond skew) leaves the flow unknown': () => {
    const { j, counters } = join({ skewSec: 2 });
    j.learn(fakeDns({ ts: 1005 }));
    const f = fakeFlow({ ts: 1001 });
    j.annotate(f, 'lan');
    eq(f.name, undefined);
    eq(f.direct, undefined);
    eq(counters.get('join_answer_after_flow'), 1);
    const skewed = fakeFlow({ ts: 1003.5 });
    j.annotate(skewed, 'lan');
    eq(skewed.name, 'www.shop.test', 'within skew');
  },

  'a refreshed answer keeps its first-seen time while the name stays the same': () => {
    const { j } = join({ ttlSec: 100 });
    j.learn(fakeDns({ ts: 1000 }));
    j.learn(fakeDns({ ts: 1090 }));
    const f = fakeFlow({ ts: 1050 }); // between the two answers
    j.annotate(f, 'lan');
    eq(f.name, 'www.shop.test');
    const late = fakeFlow({ ts: 1180 });
    j.annotate(late, 'lan');
    eq(late.name, 'www.shop.test', 'joinable until last-seen + ttl');
    j.learn(fakeDns({ ts: 1200, qname: 'other.test', answers: [{ name: 'other.test', type: 'A', data: '198.51.100.80' }] }));
    const f2 = fakeFlow({ ts: 1201 });
    j.annotate(f2, 'lan');
    eq(f2.name, 'other.test', 'the name the client asked last');
    eq(j.size(), 1);
  },

  'AAAA answers join IPv6 flows whatever the spelling': () => {
    const { j } = join();
    j.learn(fakeDns({ client: '2001:db8:1::10', qtype: 'AAAA', answers: [{ name: 'www.shop.test', type: 'AAAA', data: '2001:DB8:2:0::80' }] }));
    const f = fakeFlow({ orig_h: '2001:db8:1::10', resp_h: '2001:db8:2::80' });
    j.annotate(f, 'lan');
    eq(f.name, 'www.shop.test');
    const g = fakeFlow({ orig_h: '2001:db8:1::10', resp_h: '2001:0db8:0002::0080' });
    j.annotate(g, 'lan');
    eq(g.name, 'www.shop.test');
  },

  'blocked, sinkhole, data-less and non-address answers are not learned': () => {
    const { j } = join();
    j.learn(fakeDns({ blocked: true, answers: [{ name: 'a.test', type: 'A', data: '0.0.0.0' }] }));
    j.learn(fakeDns({ answers: [{ name: 'a.test', type: 'A', data: '0.0.0.0' }, { name: 'a.test', type: 'AAAA', data: '::' }] }));
    j.learn(fakeDns({ answers: [{ name: 'a.test', type: 'MX', data: null }, { name: 'a.test', type: 'TXT', data: 'v=spf1' }] }));
    j.learn(fakeDns({ client: undefined }));
    j.learn(fakeDns({ rcode: 'NXDOMAIN', answers: [] }));
    eq(j.size(), 0);
    const { j: j2, counters } = join();
    j2.learn(fakeDns({ answers: [{ name: 'a.test', type: 'AAAA', data: 'zz::1' }] }));
    eq(counters.dropped('join_bad_address'), 1);
  },

  'only LAN-originated flows are annotated': () => {
    const { j } = join();
    j.learn(fakeDns());
    for (const origin of ['router', 'inbound', 'transit', 'local']) {
      const f = fakeFlow();
      j.annotate(f, origin);
      eq(f.name, undefined, origin);
      eq(f.direct, undefined, origin);
    }
  },

  'no direct claim before the join has watched DNS for warmupSec': () => {
    const { j, counters } = join({ warmupSec: 600 });
    j.learn(fakeDns({ ts: 1000 }));
    const early = fakeFlow({ ts: 1300, resp_h: '198.51.100.66' });
    j.annotate(early, 'lan');
    eq(early.direct, undefined);
    eq(counters.get('join_unknown_warmup'), 1);
    const named = fakeFlow({ ts: 1300 });
    j.annotate(named, 'lan');
    eq(named.name, 'www.shop.test', 'names need no warmup');
    const later = fakeFlow({ ts: 1600, resp_h: '198.51.100.66' });
    j.annotate(later, 'lan');
    eq(later.direct, true);
    const { j: cold } = join({ warmupSec: 600 });
    const f = fakeFlow();
    cold.annotate(f, 'lan');
    eq(f.direct, undefined, 'no DNS seen at all');
  },

  'per-client cap evicts that client\'s oldest, counts it, and stops direct claims': () => {
    const { j, counters } = join({ maxPerClient: 3 });
    for (let i = 1; i <= 5; i++) j.learn(fakeDns({ ts: 1000 + i, qname: 'n', answers: [{ name: 'n', type: 'A', data: `198.51.100.${i}` }] }));
    j.learn(fakeDns({ client: '192.0.2.11', ts: 1000, qname: 'n', answers: [{ name: 'n', type: 'A', data: '198.51.100.1' }] }));
    eq(j.size(), 4);
    eq(counters.dropped('join_client_cap'), 2);
    const evicted = fakeFlow({ ts: 1010, resp_h: '198.51.100.1' });
    j.annotate(evicted, 'lan');
    eq(evicted.name, undefined);
    eq(evicted.direct, undefined, 'may have been resolved: unknown, not direct');
    eq(counters.get('join_unknown_evicted'), 1);
    const kept = fakeFlow({ ts: 1010, resp_h: '198.51.100.5' });
    j.annotate(kept, 'lan');
    eq(kept.name, 'n');
    const other = fakeFlow({ orig_h: '192.0.2.11', ts: 1010, resp_h: '198.51.100.1' });
    j.annotate(other, 'lan');
    eq(other.name, 'n', 'other clients keep theirs');
  },

  'total cap evicts from the biggest client and counts it': () => {
    const { j, counters } = join({ maxTotal: 10 });
    for (let i = 0; i < 8; i++) j.learn(fakeDns({ client: '192.0.2.50', ts: 1000 + i, qname: 'big', answers: [{ name: 'big', type: 'A', data: `203.0.113.${i}` }] }));
    for (let i = 0; i < 4; i++) j.learn(fakeDns({ client: '192.0.2.51', ts: 1100 + i, qname: 'small', answers: [{ name: 'small', type: 'A', data: `203.0.113.${i}` }] }));
    eq(j.size(), 10);
    eq(counters.dropped('join_total_cap'), 2);
    const small = fakeFlow({ orig_h: '192.0.2.51', ts: 1200, resp_h: '203.0.113.0' });
    j.annotate(small, 'lan');
    eq(small.name, 'small', 'the small client lost nothing');
  },

  'expire drops what no flow can join and forgets idle clients': () => {
    const { j } = join({ ttlSec: 100, holdSec: 50 });
    j.learn(fakeDns({ ts: 1000 }));
    j.learn(fakeDns({ ts: 1100, client: '192.0.2.11' }));
    j.expire(1149);
    eq(j.size(), 2);
    j.expire(1151);
    eq(j.size(), 1);
    j.expire(1251);
    eq(j.size(), 0);
    // slots are reused after expiry
    for (let i = 0; i < 5; i++) j.learn(fakeDns({ ts: 2000, answers: [{ name: 'r', type: 'A', data: `198.51.100.${i}` }] }));
    eq(j.size(), 5);
  },

  'seeded soak: caps hold and size matches what a reference model says': () => {
    const rnd = seeded(11);
    const { j } = join({ maxTotal: 500, maxPerClient: 200, ttlSec: 50, holdSec: 0 });
    let ts = 0;
    for (let i = 0; i < 5000; i++) {
      ts += rnd() * 0.5;
      const client = `192.0.2.${Math.floor(rnd() * 8)}`;
      const addr = `198.51.100.${Math.floor(rnd() * 250)}`;
      j.learn(fakeDns({ ts, client, qname: `q${i}`, answers: [{ name: `q${i}`, type: 'A', data: addr }] }));
      ok(j.size() <= 500, 'total cap');
      if (i % 100 === 0) j.expire(ts);
      if (i % 7 === 0) {
        const f = fakeFlow({ ts, orig_h: client, resp_h: addr });
        j.annotate(f, 'lan');
        eq(f.name, `q${i}`, 'the answer just learned joins');
      }
    }
  },
};

cases['a dual-stack device: asked over IPv4, connected over IPv6 — joined by MAC'] = () => {
  const { j } = join();
  j.learn(fakeDns({ mac: '02:00:5e:10:00:0a', answers: [{ name: 'www.shop.test', type: 'AAAA', data: '2001:db8:2::80' }] }));
  const f = fakeFlow({ orig_h: '2001:db8:1::10', resp_h: '2001:db8:2::80', mac: '02:00:5e:10:00:0a' });
  j.annotate(f, 'lan');
  eq(f.name, 'www.shop.test');
  const other = fakeFlow({ orig_h: '2001:db8:1::10', resp_h: '2001:db8:2::80', mac: '02:00:5e:10:00:0b' });
  j.annotate(other, 'lan');
  eq(other.name, undefined, 'another device');
  const { j: j2 } = join();
  j2.learn(fakeDns());
  const noMacFlow = fakeFlow({ mac: undefined });
  j2.annotate(noMacFlow, 'lan');
  eq(noMacFlow.name, 'www.shop.test', 'no MAC on either side: by address');
};

cases['no address is read when no client is known or the client holds no answer; the unknown counters stay exact'] = () => {
  const { j, counters } = join({ ttlSec: 100, holdSec: 0, maxPerClient: 1 });
  const keys = (j as unknown as { keys_: { read_(s: string): number } }).keys_;
  const read = keys.read_.bind(keys);
  let reads = 0;
  keys.read_ = (s) => (reads++, read(s));
  const cold = fakeFlow({ ts: 900 });
  j.annotate(cold, 'lan');
  eq(counters.get('join_unknown_warmup'), 1, 'nothing learned yet');
  eq(reads, 0);
  // learned out of order: 1050 first, then 1000 evicts it (the cap is 1), then 1000 expires
  j.learn(fakeDns({ ts: 1050, qname: 'b', answers: [{ name: 'b', type: 'A', data: '198.51.100.2' }] }));
  j.learn(fakeDns({ ts: 1000, qname: 'a', answers: [{ name: 'a', type: 'A', data: '198.51.100.1' }] }));
  reads = 0; // learn() reads its answers
  const named = fakeFlow({ ts: 1001, resp_h: '198.51.100.1' });
  j.annotate(named, 'lan');
  eq(named.name, 'a');
  eq(reads, 1);
  j.expire(1101);
  eq(j.size(), 0);
  const empty = fakeFlow({ ts: 1090, resp_h: '198.51.100.1' });
  j.annotate(empty, 'lan');
  eq(counters.get('join_unknown_evicted'), 1, 'the client is still known: its evicted answer may have named it');
  eq(reads, 1, 'a client with no answer: no read');
  const stranger = fakeFlow({ ts: 1090, orig_h: '192.0.2.99' });
  j.annotate(stranger, 'lan');
  eq(counters.get('join_unknown_expired'), 1, 'an unknown client of a flow older than what expire dropped');
  eq(reads, 1);
  j.expire(1300); // the client is forgotten: no client at all
  const late = fakeFlow({ ts: 1300, resp_h: '198.51.100.1' });
  j.annotate(late, 'lan');
  eq(late.direct, true);
  eq(counters.get('join_direct'), 1);
  eq(reads, 1);
};

cases['a long-lived flow annotated after its answer expired is unknown, not direct'] = () => {
  const { j, counters } = join({ ttlSec: 100, holdSec: 10 });
  j.learn(fakeDns({ ts: 1000 }));
  j.learn(fakeDns({ ts: 5000, client: '192.0.2.11' }));
  j.expire(5000);
  const old = fakeFlow({ ts: 1001 });
  j.annotate(old, 'lan');
  eq(old.name, undefined);
  eq(old.direct, undefined);
  eq(counters.get('join_unknown_expired'), 1);
  const fresh = fakeFlow({ ts: 5001, resp_h: '198.51.100.9' });
  j.annotate(fresh, 'lan');
  eq(fresh.direct, true, 'recent flows are still judged');
};

// Differential fuzz: the typed-array join against the Map-based one it replaced
// (join.reference.ts), op by op — learn, annotate, expire — comparing every flow's name and
// direct claim, every counter and the size. Spellings of one IPv6 address vary, clients come
// and go (by MAC and by address), caps and expiry fire often.
function differential(seed: number, steps: number, over: Partial<AnswerJoinDeps>, pools: { clients: number; v4: number; v6: number; names: number; pad?: number; stride?: number; start?: number }) {
  const rnd = seeded(seed);
  const pick = (n: number) => Math.floor(rnd() * n);
  const cA = new Counters();
  const cB = new Counters();
  const deps = { ttlSec: 30, holdSec: 5, skewSec: 2, warmupSec: 10, ...over };
  const a = new AnswerJoin({ counters: cA, ...deps });
  const b = new ReferenceJoin({ counters: cB, ...deps });
  const v6 = (k: number, spelling: number) => {
    const hi = (0x10 + (k >> 8)).toString(16);
    const lo = (k & 255).toString(16);
    return [`2001:db8:${hi}::${lo}`, `2001:0DB8:${hi}:0:0::${lo}`, `2001:db8:${hi}:0:0:0:0:${lo}`][spelling];
  };
  const v4 = (k: number) => `198.${51 + (k >> 16)}.${(k >> 8) & 255}.${k & 255}`;
  const addr = (): { type: 'A' | 'AAAA'; data: string } =>
    rnd() < 0.7 ? { type: 'A', data: v4(pick(pools.v4)) } : { type: 'AAAA', data: v6(pick(pools.v6), pick(3)) };
  const client = () => {
    const k = pick(pools.clients);
    return { client: `192.0.2.${k}`, mac: k % 3 === 0 ? `02:00:5e:00:00:${k.toString(16).padStart(2, '0')}` : undefined };
  };
  let ts = pools.start ?? 1000;
  for (let i = 0; i < steps; i++) {
    const stride = pools.stride ?? 1; // seconds a step: large strides span days
    ts += (rnd() < 0.1 ? -rnd() * 3 : rnd() * 0.7) * stride;
    const r = rnd();
    if (r < 0.55) {
      const qname = `n${pick(pools.names)}${'.pad'.repeat(pools.pad ?? 0)}.test`;
      const answers: { name: string; type: string; data: string | null }[] = [];
      const n = 1 + pick(3);
      if (rnd() < 0.2) answers.push({ name: qname, type: 'CNAME', data: 'c.test' });
      for (let k = 0; k < n; k++) answers.push({ name: qname, ...addr() });
      if (rnd() < 0.03) answers.push({ name: qname, type: 'A', data: '0.0.0.0' });
      if (rnd() < 0.03) answers.push({ name: qname, type: 'AAAA', data: 'zz::1' });
      const ev = fakeDns({ ts, qname, ...client(), answers, blocked: rnd() < 0.02 ? true : undefined });
      a.learn(ev);
      b.learn(ev);
    } else if (r < 0.97) {
      const who = client();
      const to = addr().data;
      const fts = ts - rnd() * (Math.min(deps.ttlSec, 30) + 10) * stride + 4;
      const fa = fakeFlow({ ts: fts, orig_h: who.client, mac: rnd() < 0.8 ? who.mac : undefined, resp_h: to });
      const fb = { ...fa };
      const origin = rnd() < 0.95 ? 'lan' : 'router';
      a.annotate(fa, origin);
      b.annotate(fb, origin);
      eq(fa.name, fb.name, `step ${i}: name of a flow to ${to}`);
      eq(fa.direct, fb.direct, `step ${i}: direct for a flow to ${to}`);
    } else {
      a.expire(ts);
      b.expire(ts);
    }
    eq(a.size(), b.size(), `step ${i}: size`);
  }
  deepEq(cA.snapshot(), cB.snapshot(), 'counters');
  return { a, counters: cA };
}

cases['differential fuzz against the Map-based join: small caps, churn, expiry'] = () => {
  for (const seed of [1, 2, 3, 4]) {
    const { counters } = differential(seed, 6000, { maxTotal: 150, maxPerClient: 30 }, { clients: 9, v4: 40, v6: 20, names: 40 });
    ok(counters.dropped('join_total_cap') > 0 && counters.dropped('join_client_cap') > 0, 'both caps fired');
    ok(counters.get('join_named') > 100 && counters.get('join_direct') > 100, `names and direct claims both compared: ${JSON.stringify(counters.snapshot())}`);
  }
};

cases['differential fuzz against the Map-based join: tables grow past their first size'] = () => {
  // > 1024 slots, > 256 names, > 1024 IPv6 answers: the table, the name pool and the IPv6 store grow while holding entries
  const { a, counters } = differential(7, 16000, { maxTotal: 6000, maxPerClient: 4000, ttlSec: 3000 }, { clients: 2, v4: 1500, v6: 2500, names: 1500 });
  ok(a.size() > 2000, `held ${a.size()}`);
  ok(counters.get('join_named') > 1000, `names compared: ${counters.get('join_named')}`);
};

cases['differential fuzz against the Map-based join: answers refreshed over days (first seen past 16 bits back)'] = () => {
  // a step ~0.35 h: the same (client, address, name) is refreshed for days, first seen more than
  // 65,535 s before last seen (the table's side map), some refreshed out of order
  for (const seed of [11, 12]) {
    const { counters } = differential(seed, 4000, { ttlSec: 86400 * 3, holdSec: 600, warmupSec: 0 }, { clients: 3, v4: 6, v6: 3, names: 2, stride: 3600 });
    ok(counters.get('join_named') > 200 && counters.get('join_answer_after_flow') > 200, JSON.stringify(counters.snapshot()));
  }
};

cases['differential fuzz against the Map-based join: last seen 16 bits from a moving base (rebases, times below the base)'] = () => {
  // epoch times (the base moves from 0 at the first answer), a step ~0.35 h with a 3-day window:
  // the base moves every few steps and held answers fall below it (the side map) and come back
  for (const seed of [13, 14]) {
    const { a, counters } = differential(seed, 3000, { ttlSec: 86400 * 3, holdSec: 600, warmupSec: 0, maxTotal: 200, maxPerClient: 80 }, { clients: 3, v4: 60, v6: 20, names: 30, stride: 3600, start: 1_780_000_000 });
    const t = (a as unknown as { table_: { base_: number; far1_: Map<number, number> } }).table_;
    ok(t.base_ > 1_780_000_000 && t.far1_.size > 0, `base ${t.base_}, ${t.far1_.size} last-seen times below it`);
    ok(counters.get('join_named') > 200 && counters.get('join_answer_after_flow') > 50, JSON.stringify(counters.snapshot()));
  }
  // seconds apart, over a day: rebases with every answer still above the base
  const { counters } = differential(15, 20000, { ttlSec: 3600, holdSec: 600, warmupSec: 0 }, { clients: 4, v4: 300, v6: 50, names: 100, stride: 12, start: 1_780_000_000 });
  ok(counters.get('join_named') > 2000, JSON.stringify(counters.snapshot()));
};

cases['join addresses: the native-call parsers agree with cidr.ts on every spelling, reject malformed text'] = () => {
  const rnd = seeded(5);
  for (let i = 0; i < 2000; i++) {
    const v = Math.floor(rnd() * 4294967296);
    const text = `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
    eq(ipv4Value(text), parseIPv4(text), text);
    const w = [0, 1, 2, 3].map(() => (rnd() < 0.4 ? 0 : Math.floor(rnd() * 4294967296)));
    if (rnd() < 0.3) w[1] = w[2] = 0;
    const canon = formatIPv6(w);
    deepEq(ipv6Words(canon, [9, 9, 9, 9]), parseIPv6(canon), canon);
    const long = w.map((x) => `${(x >>> 16).toString(16).padStart(4, '0')}:${(x & 65535).toString(16).toUpperCase()}`).join(':');
    deepEq(ipv6Words(long, [9, 9, 9, 9]), w, long);
  }
  for (const t of ['::', '::1', '1::', '2001:db8::', '::ffff:198.51.100.7', 'fe80::1%eth0', '1:2:3:4:5:6:7::', '::2:3:4:5:6:7:8']) {
    deepEq(ipv6Words(t, [9, 9, 9, 9]), parseIPv6(t), t);
  }
  for (const t of ['', '1.2.3', '1.2.3.4.5', '1..2.3', '.1.2.3', '1.2.3.', '256.1.1.1', '1.2.3.-1', 'a.b.c.d', '1.2.3.4x', '1.2.3.1000', '1.5.2.3.4', '1.2.3.0.0', '1.2.3.4.']) {
    eq(ipv4Value(t), -1, `v4 ${JSON.stringify(t)}`);
  }
  // lenient only where inet_ntop never writes: the text aliases the address it spells numerically
  eq(ipv4Value('1.2.3.0x1'), parseIPv4('1.2.3.1'));
  for (const t of ['1:2', ':1:2::3', '1:::2', '::1::', '1::2::3', '12345::1', 'zz::1', '-1::2', '1:2:3:4:5:6:7:8:9', '1::2:3:4:5:6:7:8', '1:2:3:4:5:6:7', ':', ':::']) {
    eq(ipv6Words(t, [0, 0, 0, 0]), null, `v6 ${JSON.stringify(t)}`);
  }
};

cases['differential fuzz against the Map-based join: long names, so the name chunks compact'] = () => {
  const { counters } = differential(12, 8000, { maxTotal: 300, maxPerClient: 100 }, { clients: 5, v4: 400, v6: 100, names: 3000, pad: 20 });
  ok(counters.dropped('join_total_cap') > 0 && counters.get('join_named') > 100, JSON.stringify(counters.snapshot()));
};

cases['differential fuzz against the Map-based join: a cap past 65,000 (32-bit indices)'] = () => {
  const { counters } = differential(9, 3000, { maxTotal: 70000, maxPerClient: 40 }, { clients: 9, v4: 60, v6: 30, names: 50 });
  ok(counters.dropped('join_client_cap') > 0 && counters.get('join_named') > 100, JSON.stringify(counters.snapshot()));
};

cases['more than 32,766 clients: client ids outgrow 16 bits and every answer still joins'] = () => {
  const { j, counters } = join();
  const N = 33000;
  const client = (i: number) => `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`;
  for (let i = 0; i < N; i++) {
    j.learn(fakeDns({ ts: 1000, client: client(i), qname: `q${i}.test`, answers: [{ name: `q${i}.test`, type: 'A', data: `198.51.100.${i % 250}` }] }));
  }
  eq(j.size(), N);
  for (const i of [0, 1, 32765, 32766, 32767, 32999]) {
    const f = fakeFlow({ ts: 1001, orig_h: client(i), resp_h: `198.51.100.${i % 250}` });
    j.annotate(f, 'lan');
    eq(f.name, `q${i}.test`, client(i));
  }
  const other = fakeFlow({ ts: 1001, orig_h: client(32999), resp_h: '198.51.100.1' });
  j.annotate(other, 'lan');
  eq(other.direct, true);
  eq(counters.get('join_named'), 6);
};

cases['join names: seeded add/drop against a Map; chunks seal, empty and compact, garbage stays bounded'] = () => {
  const rnd = seeded(3);
  const pick = (n: number) => Math.floor(rnd() * n);
  for (const make of [(n: number) => new Uint16Array(n), (n: number) => new Int32Array(n)]) {
    const s = new NameStore(make);
    let top = 0; // the highest id handed out
    const live = new Map<number, { q: string; refs: number }>();
    const ids: number[] = []; // one entry per reference
    let chars = 0;
    let compacted = 0;
    let shared = 0;
    for (let i = 0; i < 30000; i++) {
      if (ids.length === 0 || rnd() < (i < 15000 ? 0.6 : 0.45)) {
        const r = rnd();
        // suffixes: ~35 shared, and up to 600 more than the 255-entry table holds (full, then freed)
        const q = r < 0.05 ? '' : r < 0.1 ? `ü€${i}.test` : r < 0.12 ? 'l'.repeat(300 + pick(2000)) : r < 0.3 ? `h.s${pick(600)}.test` :
          r < 0.31 ? ['.', 'a.', '.a', 'a..b', '..'][pick(5)] : `n${pick(3000)}.${'x'.repeat(pick(30))}.test`;
        const id = s.add(q);
        ok(id > 0, `id ${id}`);
        if (id > top) top = id;
        const m = live.get(id);
        if (m !== undefined) {
          eq(m.q, q, 'a shared id has the same text'); // a recent name of the same text
          m.refs++;
          shared++;
        } else {
          eq(s.ref_[id], 0, `fresh id ${id}`);
          live.set(id, { q, refs: 1 });
          chars += q.length;
        }
        s.ref_[id]++;
        ids.push(id);
      } else {
        const at = pick(ids.length);
        const id = ids[at];
        ids[at] = ids[ids.length - 1];
        ids.pop();
        const before = s.chars_()[0];
        const m = live.get(id)!;
        if (--s.ref_[id] === 0) s.drop_(id);
        if (s.chars_()[0] < before - 4096) compacted++;
        if (--m.refs === 0) {
          chars -= m.q.length;
          live.delete(id);
          eq(s.len_[id], FREE, 'a dropped id is free');
        }
      }
      if (i % 997 === 0 || i > 29900) {
        for (const [id, { q }] of live) {
          eq(s.get(id), q, `id ${id}`);
          ok(s.get(id) === q, `same ${id}`);
        }
      }
      const [sealed, liveSealed] = s.chars_();
      ok(sealed - liveSealed <= Math.max(4096, liveSealed / 2) + 2400, `garbage bounded at step ${i}`);
    }
    ok(compacted > 3, `compactions ${compacted}`);
    ok(shared > 100, `recent names shared: ${shared}`);
    ok(top <= 15000, `ids reused: top ${top}`);
    ok(chars > 0);
  }
  // long names: a chunk is sealed before its offsets outgrow 16 bits
  const big = new NameStore((n) => new Uint16Array(n));
  const held: [number, string][] = [];
  for (let i = 0; i < 200; i++) {
    const q = `${i}:${'b'.repeat(1500 + i * 7)}`;
    const id = big.add(q);
    big.ref_[id]++;
    held.push([id, q]);
  }
  for (const [id, q] of held) eq(big.get(id), q, `long name ${id}`);
  // texts of 65,534 characters and more: lengths past 16 bits kept aside, exactly, through drop and compaction
  const huge = new NameStore((n) => new Uint16Array(n));
  const kept: [number, string][] = [];
  for (let i = 0; i < 40; i++) {
    const q = i % 4 === 0 ? `h${i}${'x'.repeat(65532 + i)}` : `${'s'.repeat(3000 + i)}${i}`;
    const id = huge.add(q);
    huge.ref_[id]++;
    kept.push([id, q]);
  }
  for (let i = 0; i < 40; i += 3) {
    const [id] = kept[i];
    if (--huge.ref_[id] === 0) huge.drop_(id);
    eq(huge.len_[id], FREE, `dropped ${id}`);
  }
  for (let i = 0; i < 40; i++) if (i % 3 !== 0) eq(huge.get(kept[i][0]), kept[i][1], `huge name ${i}`);
  eq(huge.chars_()[2], 6, 'the long lengths held aside: those of live names only');
};

cases['join address keys: the memo answers as the parsers do, across turnovers'] = () => {
  const rnd = seeded(21);
  const keys = new AddressKeys();
  const pool: string[] = [];
  for (let i = 0; i < 1500; i++) {
    const r = rnd();
    if (r < 0.5) pool.push(`198.51.${Math.floor(rnd() * 4)}.${Math.floor(rnd() * 256)}`);
    else if (r < 0.9) pool.push(`2001:db8:${Math.floor(rnd() * 65536).toString(16)}::${Math.floor(rnd() * 65536).toString(16)}`);
    else pool.push(['zz::1', '1.2.3', '', '::', '0.0.0.0', '::ffff:198.51.100.7', '1::2::3'][Math.floor(rnd() * 7)]);
  }
  for (let i = 0; i < 20000; i++) {
    // a hot set and a long tail, so the memo empties and fills again
    const text = rnd() < 0.6 ? pool[Math.floor(rnd() * 40)] : pool[Math.floor(rnd() * pool.length)];
    const v = keys.read_(text);
    if (text.indexOf(':') < 0) eq(v, ipv4Value(text), text);
    else {
      const w = ipv6Words(text, [0, 0, 0, 0]);
      if (w === null) eq(v, -1, text);
      else {
        eq(v, -2, text);
        deepEq(keys.w_, w, text);
      }
    }
  }
  // texts an Object.prototype member or an array index would answer, twice (the second from the memo)
  for (let pass = 0; pass < 2; pass++) {
    for (const text of ['__proto__', 'constructor', 'toString', 'valueOf', '0', '1234']) eq(keys.read_(text), -1, text);
  }
};
