import type { Cases } from '../../support/cases';
import { eq, ok, seeded } from '../../support/check';
import { FlowStore, PORT_ODD } from '../../../src/sources/conntrack/flow-store';

export const cases: Cases = {
  'the counters column exists only once a slot keeps counters, and survives growth': () => {
    const store = new FlowStore(3000);
    const a = store.alloc_();
    eq(store.counts.length, 0, 'no column for flows whose counters only come with their end');
    store.setCounts(a, 10, 1, 20, 2);
    const b = store.alloc_();
    eq(store.counts[b * 4], -1, 'a later slot starts unknown');
    for (let k = 0; k < 2000; k++) store.alloc_();
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
      } else if (at < 0 && store.count_ < 5000) {
        const s = store.alloc_();
        store.bindId(s, id);
        model.set(id, s);
        order.push(id);
      } else if (at >= 0 && rnd() < 0.5) {
        // FlowTable's interim records: a reported flow to the end, an overdue adopted one to the front
        const front = rnd() < 0.3;
        store.move_(at, front);
        order.splice(order.indexOf(id), 1);
        if (front) order.unshift(id);
        else order.push(id);
      }
    }
    eq(store.count_, model.size);
    const walked: number[] = [];
    for (let s = store.head; s >= 0; s = store.next_[s] - 1) walked.push(store.id_[s]);
    eq(walked.join(','), order.join(','), 'the order kept');
    eq(store.id_[store.tail_], order[order.length - 1], 'the tail');
    ok(model.size > 1000, 'the table was busy');
  },

  'the tuple index agrees with a Map through random churn, growth and probe-run deletions': () => {
    const rnd = seeded(11);
    const store = new FlowStore(4000);
    const model = new Map<string, number>();
    const tuple = (s: number) => [store.proto[s], store.strs[s * 4], store.strs[s * 4 + 1], store.port_(s, 0), store.port_(s, 1), store.zoneOf_(s)];
    // ports as 16-bit columns keep 0..65535; the rest (none, garbled) go aside
    const odd = [-1, 65535, 70000];
    for (let step = 0; step < 30000; step++) {
      // few distinct tuples so probe runs collide; icmp-like negative-free ports and zones too
      const t = [rnd() < 0.5 ? 6 : 17, Math.floor(rnd() * 5), Math.floor(rnd() * 5), rnd() < 0.1 ? odd[Math.floor(rnd() * 3)] : 40000 + Math.floor(rnd() * 60), 443, rnd() < 0.1 ? 3 : 0];
      const key = t.join(' ');
      const at = store.findTuple(t[0], t[1], t[2], t[3], t[4], t[5], false);
      eq(at, model.has(key) ? model.get(key)! : -1, `find ${key} at step ${step}`);
      if (at >= 0) {
        eq(tuple(at).join(' '), key);
        if (rnd() < 0.6) {
          store.release(at);
          model.delete(key);
        }
      } else if (store.count_ < 4000) {
        const s = store.alloc_();
        [store.proto[s], store.strs[s * 4], store.strs[s * 4 + 1]] = t;
        store.setPorts_(s, t[3], t[4], 0);
        store.setZone_(s, t[5]);
        if (rnd() < 0.5) store.bindId(s, step + 1);
        store.indexTuple(s);
        model.set(key, s);
      }
    }
    ok(model.size > 1000, 'the table was busy');
    let oddHeld = 0;
    for (const [key, s] of model) {
      const a = Number(key.split(' ')[3]);
      if (a < 0 || a > 65535) oddHeld++;
      if (a === 65535) eq(store.ports[s * 3], PORT_ODD, 'port 65535 is kept in the column');
    }
    eq(store.odd_.size, oddHeld, 'the ports kept aside are the held flows\' only');
    ok(oddHeld > 10, 'odd ports were held');
    let idless = 0;
    for (const s of model.values()) if (store.findId(store.id_[s]) !== s) idless++;
    eq(store.idless, idless, 'flows without an id counted_');
  },

  'ports keep every value (16-bit columns, the rest aside), zone and marks columns come on demand': () => {
    const store = new FlowStore(100);
    const s = store.alloc_();
    store.setPorts_(s, 0, 65535, 1);
    eq([store.port_(s, 0), store.port_(s, 1), store.port_(s, 2)].join(','), '0,65535,1');
    eq(store.odd_.size, 0);
    const o = store.alloc_();
    store.setPorts_(o, 65535, -1, 80);
    eq([store.port_(o, 0), store.port_(o, 1), store.port_(o, 2)].join(','), '65535,-1,80');
    store.setPorts_(o, 70000, 2 ** 32 + 5, 80);
    eq([store.port_(o, 0), store.port_(o, 1), store.port_(o, 2)].join(','), '70000,5,80', 'as an Int32 column kept them');
    store.setPorts_(o, 65535, -1, 80);
    eq(store.ports[o * 3 + 2], 80, 'the ones that fit stay in the column');
    eq(store.odd_.size, 1);
    store.release(o);
    eq(store.odd_.size, 0, 'released with the slot');
    const r = store.alloc_();
    eq(r, o, 'the slot comes back');
    store.setPorts_(r, 1, 2, 3);
    eq(store.port_(r, 0), 1, 'not the old odd ports');
    eq(store.zone_.length, 0, 'no zone column while every flow is in zone 0');
    store.setZone_(s, 0);
    eq(store.zone_.length, 0);
    eq(store.zoneOf_(s), 0);
    store.setZone_(r, 7);
    eq(store.zoneOf_(r), 7);
    for (let k = 0; k < 90; k++) store.alloc_();
    eq(store.zoneOf_(r), 7, 'kept through growth');
    eq(store.seen_.length, 0, 'no table read yet: no marks column');
    store.seen_[s] = 5;
    eq(store.seen_[s], undefined, 'a mark before the first read is lost (it would read as generation 0)');
    const e = new FlowStore(100);
    e.needSeen_();
    const f = e.alloc_();
    e.seen_[f] = 5;
    eq(e.seen_[f], 5, 'needSeen on an empty store: the column comes with the first slots');
    eq(e.lastReport.length > 0, true);
    eq(new FlowStore(100, false).alloc_() >= 0, true);
    const n = new FlowStore(100, false);
    n.alloc_();
    eq(n.lastReport.length, 0, 'no report clock without interim records');
  },

  'the tuple index finds only id-less flows when asked, and an id keys one from then on': () => {
    const store = new FlowStore(10);
    const s = store.alloc_();
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
    eq(store.count_, 0);
    eq(store.head, -1);
  },
};
