import type { Cases } from './support/cases';
import { eq, deepEq } from './support/check';
import { Counters } from '../src/counters';

export const cases: Cases = {
  'counts and drops are kept apart and snapshotted': () => {
    const c = new Counters();
    c.inc('lines');
    c.inc('lines', 2);
    c.drop('garbage', 1, 'x'.repeat(500));
    c.drop('garbage');
    deepEq(c.snapshot(), { counters: { lines: 3 }, dropped: { garbage: 2 } });
    eq(c.sample('garbage')?.length, 201, 'sample is cut');
  },

  'cells add to inc() counts, are shared per name, and untouched ones stay out of snapshots': () => {
    const c = new Counters();
    const a = c.cell('lines');
    a.n += 2;
    c.inc('lines');
    eq(c.cell('lines'), a, 'one cell per name');
    eq(c.get('lines'), 3);
    c.cell('never');
    deepEq(c.snapshot(), { counters: { lines: 3 }, dropped: {} });
    c.cell('solo').n++;
    eq(c.get('solo'), 1);
    eq(c.snapshot().counters.solo, 1);
  },
  'onDrop hears every drop, with its count and sample (the first sample per reason is still the one kept)': () => {
    const heard: unknown[] = [];
    const c = new Counters((reason, n, sample) => heard.push([reason, n, sample]));
    c.drop('a.bad', 1, 'x');
    c.drop('a.bad', 2, 'y');
    c.drop('b.gone');
    c.inc('a.ok');
    deepEq(heard, [['a.bad', 1, 'x'], ['a.bad', 2, 'y'], ['b.gone', 1, undefined]]);
    eq(c.sample('a.bad'), 'x');
    eq(c.dropped('a.bad'), 3);
  },
};
