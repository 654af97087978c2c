import type { Cases } from '../../support/cases';
import { eq, ok, seeded } from '../../support/check';
import { FlowStore } from '../../../src/sources/conntrack/flow-store';

export const cases: Cases = {
  'the counters column exists only once a slot keeps counters, and survives growth': () => {
    const store = new FlowStore(3000);
    const a = store.alloc();
    eq(store.counts.length, 0, 'no column for flows whose counters only come with their end');
    store.setCounts(a, 10, 1, 20, 2);
    const b = store.alloc();
    eq(store.counts[b * 4], -1, 'a later slot starts unknown');
    for (let k = 0; k < 2000; k++) store.alloc();
    ok(store.counts.length >= 2002 * 4, 'grown with the other columns');
    eq([...store.counts.subarray(a * 4, a * 4 + 4)].join(','), '10,1,20,2', 'kept through growth');
    eq(store.counts[1500 * 4 + 2], -1, 'new slots past the copy are unknown');
    store.endSlot = b;
    store.release(b);
    eq(store.endSlot, -1, 'releasing the ending slot forgets its end counters');
  },
  'the id index agrees with a Map through random churn, growth and probe-run deletions': () => {
    const rnd = seeded(7);
    const store = new FlowStore(5000);
    const model = new Map<number, number>();
    const order: number[] = [];
    for (let step = 0; step < 40000; step++) {
      // few distinct ids so runs collide and deletions shift entries back
      const id = Math.floor(rnd() * 6000) * 1024;
      const at = store.findId(id);
      eq(at, model.has(id) ? model.get(id)! : -1, `find ${id} at step ${step}`);
      if (at >= 0 && rnd() < 0.6) {
        store.release(at);
        model.delete(id);
        order.splice(order.indexOf(id), 1);
      } else if (at < 0 && store.count < 5000) {
        const s = store.alloc();
        store.bindId(s, id);
        model.set(id, s);
        order.push(id);
      }
    }
    eq(store.count, model.size);
    const walked: number[] = [];
    for (let s = store.head; s >= 0; s = store.next[s]) walked.push(store.id[s]);
    eq(walked.join(','), order.join(','), 'opening order kept');
    ok(model.size > 1000, 'the table was busy');
  },

  'tuple keys, and re-keying a tuple-keyed slot by id': () => {
    const store = new FlowStore(10);
    const s = store.alloc();
    store.bindTuple(s, '6 a b 1 2 0');
    eq(store.findTuple('6 a b 1 2 0'), s);
    eq(store.tupleKeyed(), 1);
    store.bindId(s, 99);
    eq(store.findTuple('6 a b 1 2 0'), -1);
    eq(store.tupleKeyed(), 0);
    eq(store.findId(99), s);
    store.release(s);
    eq(store.findId(99), -1);
    eq(store.count, 0);
    eq(store.head, -1);
  },
};
