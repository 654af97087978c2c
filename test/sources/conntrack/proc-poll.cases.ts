import type { Cases } from '../../support/cases';
import { deepEq, eq } from '../../support/check';
import { Counters } from '../../../src/counters';
import { diffSnapshots, indexSnapshot, pollIntervalMs, readSnapshot } from '../../../src/sources/conntrack/proc-poll';
import type { CtRecord } from '../../../src/sources/conntrack/record';

const PROC = 'lab-basic/nf_conntrack.snapshot';

function reader(text: string) {
  const lines = text.split('\n');
  let k = 0;
  return { next: () => (k < lines.length ? lines[k++] : null), close: () => {} };
}

export const cases: Cases = {
  'readSnapshot parses every /proc line and counts the rest': (ctx) => {
    const c = new Counters();
    const recs = readSnapshot(reader(ctx.fixture(PROC) + 'garbage line\n'), c);
    eq(recs.length, 31);
    eq(c.dropped('conntrack.bad_header'), 1);
    eq(c.get('conntrack.ignored'), 1, 'the empty last line');
  },

  'diffSnapshots: started, ended (as last seen) and changed': (ctx) => {
    const c = new Counters();
    const a = readSnapshot(reader(ctx.fixture(PROC)), c);
    const b = readSnapshot(reader(ctx.fixture(PROC)), c);
    const tcp = (r: CtRecord[]) => r.filter((x) => x.protoNum === 6);
    const gone = a[0];
    const prev = indexSnapshot(a);
    const nextRecs = b.slice(1);
    tcp(nextRecs)[0].state = 'CLOSE';
    const extra = { ...b[0], sport: 40000 };
    nextRecs.push(extra);
    const d = diffSnapshots(prev, indexSnapshot(nextRecs));
    deepEq(d.started, [extra]);
    deepEq(d.ended, [gone]);
    eq(d.ended[0], gone, 'the previous record itself, with its counters');
    eq(d.changed.length, 1);
    eq(d.changed[0].state, 'CLOSE');
    const same = diffSnapshots(prev, indexSnapshot(readSnapshot(reader(ctx.fixture(PROC)), c)));
    deepEq([same.started.length, same.ended.length, same.changed.length], [0, 0, 0]);
  },

  'poll interval: floor by table size, min while churning, doubling to max when quiet': () => {
    const o = { minMs: 2000, maxMs: 30000 };
    eq(pollIntervalMs({ ...o, size: 100, churn: 5, prevMs: 8000 }), 2000);
    eq(pollIntervalMs({ ...o, size: 100, churn: 0, prevMs: 2000 }), 4000);
    eq(pollIntervalMs({ ...o, size: 100, churn: 0, prevMs: 20000 }), 30000);
    eq(pollIntervalMs({ ...o, size: 20000, churn: 9, prevMs: 2000 }), 20000, '20k flows: every 20 s at most');
    eq(pollIntervalMs({ ...o, size: 1e6, churn: 9, prevMs: 2000 }), 30000, 'never beyond max');
  },
};
