import type { Cases } from '../support/cases';
import type { NetEvent } from '../../src/events';
import { eq, ok, deepEq } from '../support/check';
import { Counters } from '../../src/counters';
import { Batcher } from '../../src/pipeline/batcher';
import { decodeBatch } from '../../src/codec/batch';
import { fakeDns, fakeFlow } from './factories';

interface Out { stream: string; seq: number; bytes: Uint8Array }

function make(opts: Partial<ConstructorParameters<typeof Batcher>[0]> = {}) {
  const out: Out[] = [];
  const counters = new Counters();
  const b = new Batcher({ sensor: 's1', boot: 'boot1', counters, onBatch: (stream, seq, bytes) => out.push({ stream, seq, bytes }), ...opts });
  return { b, out, counters };
}

export const cases: Cases = {
  'flushes by count, per stream, with a sequence per stream': () => {
    const { b, out } = make({ maxEvents: 3 });
    for (let i = 0; i < 7; i++) b.push(fakeDns({ ts: 1000 + i }));
    b.push(fakeFlow());
    eq(out.length, 2, 'two full dns batches');
    b.flush();
    deepEq(out.map((o) => `${o.stream}:${o.seq}`), ['dns:0', 'dns:1', 'dns:2', 'flow:0']);
    const all = out.filter((o) => o.stream === 'dns').flatMap((o) => decodeBatch(o.bytes).events);
    eq(all.map((e) => e.ts).join(), '1000,1001,1002,1003,1004,1005,1006', 'order kept');
    const d = decodeBatch(out[0].bytes);
    deepEq([d.sensor, d.boot, d.seq, d.stream], ['s1', 'boot1', 0, 'dns']);
  },
  'flushes by estimated bytes': () => {
    const { b, out } = make({ maxBytes: 2000 });
    for (let i = 0; i < 200; i++) b.push(fakeDns({ ts: i, qname: `host${i}.example.test` }));
    b.flush();
    ok(out.length >= 3, `${out.length} batches`);
    // The estimate must keep real batches near the bound (not just count events).
    for (const o of out) ok(o.bytes.length <= 2000 * 1.25, `batch of ${o.bytes.length} bytes`);
    eq(out.reduce((n, o) => n + decodeBatch(o.bytes).events.length, 0), 200, 'all events');
  },
  'flushes by age, counted from the first tick that saw the batch': () => {
    const { b, out } = make({ maxAgeSec: 10 });
    b.tick(100);
    b.push(fakeDns());
    b.tick(101);
    b.tick(110);
    eq(out.length, 0, 'not yet 10 s since 101');
    b.tick(111);
    eq(out.length, 1);
    b.tick(200);
    eq(out.length, 1, 'empty streams emit nothing');
  },
  'firstSeq continues a numbering; a failing sink is counted, not thrown': () => {
    const counters = new Counters();
    const seqs: number[] = [];
    const b = new Batcher({
      sensor: 's', boot: 'b', counters, maxEvents: 1, firstSeq: (s) => (s === 'dns' ? 41 : 0),
      onBatch: (_s, seq) => { seqs.push(seq); if (seq === 42) throw new Error('disk full'); },
    });
    b.push(fakeDns());
    b.push(fakeDns());
    b.push(fakeDns());
    deepEq(seqs, [41, 42, 43]);
    eq(counters.dropped('batch_sink_dns'), 1);
    eq(counters.get('batches_dns'), 3);
  },
  'streamOf routes events': () => {
    const { b, out } = make({ streamOf: (e: NetEvent) => (e.type === 'dns' && e.blocked ? 'blocked' : e.type) });
    b.push(fakeDns({ blocked: true }));
    b.push(fakeDns());
    b.flush();
    deepEq(out.map((o) => o.stream).sort(), ['blocked', 'dns']);
  },
};
