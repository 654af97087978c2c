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

  'the tuple index agrees with a Map through random churn, growth and probe-run deletions': () => {
    const rnd = seeded(11);
    const store = new FlowStore(4000);
    const model = new Map<string, number>();
    const tuple = (s: number) => [store.proto[s], store.strs[s * 4], store.strs[s * 4 + 1], store.ports[s * 3], store.ports[s * 3 + 1], store.zone[s]];
    for (let step = 0; step < 30000; step++) {
      // few distinct tuples so probe runs collide; icmp-like negative-free ports and zones too
      const t = [rnd() < 0.5 ? 6 : 17, Math.floor(rnd() * 5), Math.floor(rnd() * 5), 40000 + Math.floor(rnd() * 60), 443, rnd() < 0.1 ? 3 : 0];
      const key = t.join(' ');
      const at = store.findTuple(t[0], t[1], t[2], t[3], t[4], t[5], false);
      eq(at, model.has(key) ? model.get(key)! : -1, `find ${key} at step ${step}`);
      if (at >= 0) {
        eq(tuple(at).join(' '), key);
        if (rnd() < 0.6) {
          store.release(at);
          model.delete(key);
        }
      } else if (store.count < 4000) {
        const s = store.alloc();
        [store.proto[s], store.strs[s * 4], store.strs[s * 4 + 1], store.ports[s * 3], store.ports[s * 3 + 1], store.zone[s]] = t;
        if (rnd() < 0.5) store.bindId(s, step + 1);
        store.indexTuple(s);
        model.set(key, s);
      }
    }
    ok(model.size > 1000, 'the table was busy');
    let idless = 0;
    for (const s of model.values()) if (store.findId(store.id[s]) !== s) idless++;
    eq(store.idless, idless, 'flows without an id counted');
  },

  'the tuple index finds only id-less flows when asked, and an id keys one from then on': () => {
    const store = new FlowStore(10);
    const s = store.alloc();
    store.proto[s] = 6;
    store.ports[s * 3] = 1;
    store.ports[s * 3 + 1] = 2;
    store.indexTuple(s);
    eq(store.idless, 1);
    eq(store.findTuple(6, 0, 0, 1, 2, 0, true), s);
    eq(store.findTuple(17, 0, 0, 1, 2, 0, false), -1, 'another protocol');
    store.bindId(s, 99);
    eq(store.idless, 0);
    eq(store.findTuple(6, 0, 0, 1, 2, 0, true), -1, 'keyed by id now');
    eq(store.findTuple(6, 0, 0, 1, 2, 0, false), s, 'still found by tuple');
    eq(store.findId(99), s);
    store.release(s);
    eq(store.findId(99), -1);
    eq(store.findTuple(6, 0, 0, 1, 2, 0, false), -1);
    eq(store.count, 0);
    eq(store.head, -1);
  },
};
