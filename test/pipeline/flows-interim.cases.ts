import type { Cases } from '../support/cases';
import { deepEq, eq, ok, seeded } from '../support/check';
import { Counters } from '../../src/counters';
import type { FlowEvent } from '../../src/events';
import { FlowTable } from '../../src/pipeline/flows';
import { parseConntrackEvent } from '../../src/sources/conntrack/parse';
import type { CtRecord } from '../../src/sources/conntrack/record';

// Interim records: the table keeps its flows in order of last report and walks only the due
// ones each tick. These cases check the records against a model of when each flow is due.

function ev(kind: string, ts: number, id: number, tail = ''): CtRecord {
  const sport = 1024 + (id % 60000);
  const line = `[${ts.toFixed(6)}]\t[${kind}] ipv4     2 tcp      6 120 ESTABLISHED src=192.0.2.10 dst=198.51.100.80 sport=${sport} dport=443 ` +
    `src=198.51.100.80 dst=198.51.100.1 sport=443 dport=${sport} [ASSURED] ${tail ? tail + ' ' : ''}id=${id}`;
  const r = parseConntrackEvent(line, new Counters());
  if (!r) throw new Error('bad test line ' + line);
  return r;
}

function rig(interimSec: number, maxFlows = 100000) {
  const out: FlowEvent[] = [];
  const counters = new Counters();
  const table = new FlowTable({ counters, sensor: 't', interimSec, maxFlows, emit: (e) => void out.push(e) });
  return { table, out, counters };
}

/** Per open flow: the earliest and latest time its next interim record may come. */
interface Due {
  lo: number;
  hi: number;
  start: number;
}

export const cases: Cases = {
  'seeded churn: every due flow reported once per interval, none early, the walk only visits due flows': () => {
    for (const seed of [1, 2, 3, 4]) {
      const rnd = seeded(seed);
      const I = 1 + Math.floor(rnd() * 20);
      const r = rig(I);
      const open = new Map<number, Due>();
      let now = 1000;
      let nextId = 1;
      let reports = 0;
      for (let step = 0; step < 3000; step++) {
        const x = rnd();
        if (x < 0.35) {
          const id = nextId++;
          r.table.push(ev('NEW', now, id));
          open.set(id, { lo: now + I, hi: now + I, start: now });
        } else if (x < 0.45) {
          // adopted after a gap, opened d seconds ago: an old one is due at the next tick, a
          // younger one no earlier than start + I and no later than adoption + I
          const id = nextId++;
          const d = Math.floor(rnd() * 3 * I);
          r.table.push(ev('UPDATE', now, id, `delta-time=${d}`));
          open.set(id, d >= I ? { lo: now - d + I, hi: now, start: now - d } : { lo: now - d + I, hi: now + I, start: now - d });
        } else if (x < 0.6 && open.size > 0) {
          const ids = [...open.keys()];
          const id = ids[Math.floor(rnd() * ids.length)];
          r.table.push(ev('DESTROY', now, id));
          open.delete(id);
          const e = r.out.pop()!;
          deepEq([e.ct_id, e.final], [id, true], 'the DESTROY ends it');
          eq(r.out.length, 0);
        } else {
          // time goes on, now and then by more than an interval (a gap in the log)
          now += rnd() < 0.05 ? I * (1 + Math.floor(rnd() * 3)) + rnd() : rnd() * 1.5;
          now = Math.round(now * 1e6) / 1e6;
          r.table.tick(now);
          const got = r.out.splice(0);
          eq(r.table.walked_, got.length, `seed ${seed} step ${step}: the walk visited only the ${got.length} due flows`);
          const reported = new Set<number>();
          for (const e of got) {
            const id = e.ct_id as number;
            ok(!reported.has(id), `seed ${seed}: flow ${id} reported twice at ${now}`);
            reported.add(id);
            const d = open.get(id)!;
            ok(d !== undefined, `flow ${id} is open`);
            eq(e.final, false);
            eq(e.ts, d.start, 'first seen');
            ok(now >= d.lo, `seed ${seed}: flow ${id} reported early at ${now} (due ${d.lo})`);
            d.lo = d.hi = now + I;
            reports++;
          }
          for (const [id, d] of open) ok(reported.has(id) || now < d.hi, `seed ${seed}: flow ${id} missed at ${now} (due by ${d.hi})`);
        }
      }
      ok(reports > 500, 'interim records were due');
      eq(r.counters.get('flows.interim'), reports);
    }
  },

  'a tick with nothing due walks nothing; records in order of last report': () => {
    const r = rig(10);
    r.table.push(ev('NEW', 100, 1));
    r.table.push(ev('NEW', 103, 2));
    r.table.tick(111);
    eq(r.out.map((e) => e.ct_id).join(','), '1');
    r.table.tick(112);
    eq(r.table.walked_, 0, 'flow 2 (opened at 103) is not due at 112');
    eq(r.out.length, 1);
    // a gap: both due; 2 was last reported (opened) at 103, 1 at 111
    r.table.tick(200);
    eq(r.out.slice(1).map((e) => e.ct_id).join(','), '2,1');
    eq(r.table.walked_, 2);
    r.table.tick(209.999999);
    eq(r.out.length, 3, 'reported at 200: not due before 210');
    r.table.tick(210);
    eq(r.out.slice(3).map((e) => e.ct_id).join(','), '2,1', 'the order of the last report');
  },

  'an adopted flow older than an interval is due at once, ahead of flows not due': () => {
    const r = rig(60);
    r.table.push(ev('NEW', 1000, 1));
    r.table.push(ev('UPDATE', 1010, 2, 'delta-time=500'));
    r.table.push(ev('UPDATE', 1010, 3, 'delta-time=30'));
    r.table.tick(1011);
    eq(r.out.map((e) => [e.ct_id, e.ts].join('@')).join(','), '2@510', 'the old one at the next tick');
    r.table.tick(1059);
    eq(r.out.length, 1, 'flow 3 (opened at 980, adopted at 1010 after flow 1 opened) counts from 1000');
    r.table.tick(1060);
    eq(r.out.slice(1).map((e) => e.ct_id).join(','), '1,3');
    r.table.tick(1071);
    eq(r.out.slice(3).map((e) => e.ct_id).join(','), '2', 'then every interval');
  },

  'with interim records on, the cap evicts the least recently reported flow': () => {
    const r = rig(10, 2);
    r.table.push(ev('NEW', 100, 1));
    r.table.push(ev('NEW', 105, 2));
    r.table.tick(110); // reports 1: now 2 (opened at 105) is the least recently reported
    eq(r.out.length, 1);
    r.table.push(ev('NEW', 111, 3));
    eq(r.out.length, 2);
    deepEq([r.out[1].ct_id, r.out[1].final], [2, false]);
    eq(r.counters.dropped('flows.evicted'), 1);
    const off = rig(0, 2);
    off.table.push(ev('NEW', 100, 1));
    off.table.push(ev('NEW', 105, 2));
    off.table.tick(110);
    off.table.push(ev('NEW', 111, 3));
    eq(off.out.map((e) => e.ct_id).join(','), '1', 'interim records off: the oldest opened');
  },

  'ticks during a table read\'s walks wait for its end; the sweep ends every unseen flow once': () => {
    const rnd = seeded(7);
    const r = rig(5);
    for (let id = 1; id <= 300; id++) r.table.push(ev('NEW', 1000 + id / 100, id));
    r.table.readBegin(1010);
    let t = 1010;
    let ticks = 0;
    for (; !r.table.readPrepare(7); ticks++) {
      r.table.tick((t += 0.5));
      eq(r.table.walked_, 0, 'no interim records while the walk is under way');
    }
    ok(ticks > 10, 'the prepare walk took many slices');
    eq(r.out.length, 0);
    r.table.tick((t += 0.5));
    eq(r.out.length, 300, 'between the walks (reading lines) the due flows are reported');
    const keep = new Set<number>();
    for (let id = 1; id <= 300; id++) {
      if (rnd() < 0.5) continue;
      keep.add(id);
      r.table.readEntry(ev('UPDATE', 1010, id), false);
    }
    r.out.length = 0;
    t += 10;
    for (ticks = 0; !r.table.readSweep(9, true); ticks++) {
      r.table.tick((t += 0.5));
      eq(r.table.walked_, 0, 'none during the sweep');
    }
    ok(ticks > 10, 'the sweep took many slices');
    const ended = r.out.map((e) => e.ct_id as number);
    ok(r.out.every((e) => e.final), 'only ends during the sweep');
    eq(new Set(ended).size, ended.length, 'each ended once');
    eq(ended.length, 300 - keep.size, 'every unseen flow ended');
    for (const id of ended) ok(!keep.has(id), `flow ${id} was seen`);
    r.table.tick((t += 0.5));
    eq(r.table.walked_, keep.size, 'after the sweep, the kept flows (all due) are reported');
    eq(r.table.size(), keep.size);
  },
};
