import type { Cases } from '../../support/cases';
import { eq, ok, seeded } from '../../support/check';
import { FlowStore } from '../../../src/sources/conntrack/flow-store';

export const cases: Cases = {
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
