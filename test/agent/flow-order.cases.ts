// FlowStages (src/agent/flow-order.ts) with the join off: it never learns an answer, so LAN flows
// skip its lookups. The lines must be those of a join that is on but has seen no DNS, on both
// of the stages' paths (lines written from the table, and events for another sink).
import type { Cases } from '../support/cases';
import { deepEq, eq, ok } from '../support/check';
import { Counters } from '../../src/counters';
import type { NetEvent } from '../../src/events';
import { encodeNdjson } from '../../src/codec/ndjson';
import { NdjsonSink } from '../../src/agent/ndjson-sink';
import { Pipeline } from '../../src/agent/pipeline';
import { parseConntrackEvent } from '../../src/sources/conntrack/parse';
import { dnsPipelineOptions } from '../support/pipeline-options';

const EVENTS = 'lab-basic/conntrack-events.txt';
export const FIXTURES = [EVENTS];

function replay(text: string, o: { join: boolean; ndjson: boolean }): { lines: string[]; counters: Counters } {
  const counters = new Counters();
  const lines: string[] = [];
  const sink = o.ndjson
    ? new NdjsonSink({ counters, batchLines: 3, write: (t) => lines.push(...t.split('\n').filter((l) => l !== '')) })
    : { emit: (ev: NetEvent) => lines.push(encodeNdjson(ev)) };
  const options = dnsPipelineOptions();
  options.net = { routerAddrs: ['192.0.2.1', '198.51.100.1'], lanPrefixes: ['192.0.2.0/24'] };
  options.join = { ...options.join, enabled: o.join, warmupSec: 0 };
  const p = new Pipeline({ counters, sink, options });
  for (const l of text.split('\n')) {
    const r = l === '' ? null : parseConntrackEvent(l, counters, undefined, p.holdsFlow);
    if (r !== null) p.ctRecord(r);
  }
  p.flush();
  if (sink instanceof NdjsonSink) sink.flush();
  return { lines, counters };
}

const joinCounts = (c: Counters) => Object.keys(c.snapshot().counters).filter((k) => k.startsWith('join_'));

export const cases: Cases = {
  'join off: the same lines as a join without DNS, and no join lookups counted': ({ fixture }) => {
    for (const ndjson of [true, false]) {
      const on = replay(fixture(EVENTS), { join: true, ndjson });
      const off = replay(fixture(EVENTS), { join: false, ndjson });
      ok(on.lines.some((l) => l.includes('"dir":"lan"')), 'LAN flows in the fixture');
      ok(joinCounts(on.counters).length > 0, `the join was asked (${ndjson ? 'lines' : 'events'})`);
      deepEq(off.lines, on.lines);
      eq(joinCounts(off.counters).length, 0, 'join off: not asked');
    }
  },
};
