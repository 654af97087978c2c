// Interim records when the clock steps back (NTP correcting a router's clock that ran ahead, or a
// replayed log whose clock steps back). The store keeps its flows in order of last report; a tick
// that finds the clock more than an interval behind the tail's last report re-bases the reports
// held in the future to now (counted flows.clock_rebased). Without it, a flow opened after the
// step got one interim record stamped with the pre-step time and then none until the clock passed
// that time again (hours, for a clock that ran hours ahead).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Counters } from '../../src/counters';
import type { FlowEvent } from '../../src/events';
import { FlowTable } from '../../src/pipeline/flows';
import { parseConntrackEvent } from '../../src/sources/conntrack/parse';

function push(table: FlowTable, kind: string, ts: number, id: number): void {
  const sport = 1024 + id;
  const line = `[${ts.toFixed(6)}]\t[${kind}] ipv4     2 tcp      6 120 ESTABLISHED src=192.0.2.10 dst=198.51.100.80 sport=${sport} dport=443 ` +
    `src=198.51.100.80 dst=198.51.100.1 sport=443 dport=${sport} [ASSURED] id=${id}`;
  const r = parseConntrackEvent(line, new Counters());
  if (!r) throw new Error('bad line');
  table.push(r);
}

function rig() {
  const out: FlowEvent[] = [];
  const counters = new Counters();
  const table = new FlowTable({ counters, sensor: 't', interimSec: 10, emit: (e) => void out.push(e as FlowEvent) });
  return { table, out, counters };
}

test('clock steady: a flow gets an interim record every interval (the baseline the next test compares with)', () => {
  const { table, out } = rig();
  push(table, 'NEW', 1000, 1);
  push(table, 'NEW', 1500, 2);
  for (let t = 1505; t <= 1560; t += 5) table.tick(t);
  assert.ok(out.filter((e) => e.ct_id === 2).length >= 5, JSON.stringify(out.map((e) => [e.ct_id, e.end ?? e.duration])));
});

test('clock stepped back: a flow opened after the step gets an interim record every interval', () => {
  const { table, out, counters } = rig();
  push(table, 'NEW', 1000, 1);
  table.tick(1005);
  // the clock steps back by 500 s
  push(table, 'NEW', 500, 2);
  for (let t = 505; t <= 560; t += 5) table.tick(t);
  assert.ok(out.filter((e) => e.ct_id === 2).length >= 5, `flow 2's interim records: ${out.filter((e) => e.ct_id === 2).length}`);
  // the flow opened before the step is reported by the new clock too, and the re-base happened once
  // (flow 1 was not due before the step: every record of it comes after)
  const after = out.filter((e) => e.ct_id === 1);
  assert.ok(after.length >= 4, `flow 1's records after the step: ${after.length}`);
  assert.equal(counters.get('flows.clock_rebased'), 1);
});

test('clock stepped back by less than an interval: no re-base, records keep their order', () => {
  const { table, out, counters } = rig();
  push(table, 'NEW', 1000, 1);
  table.tick(1011);
  push(table, 'NEW', 1005, 2);
  for (let t = 1006; t <= 1040; t += 2) table.tick(t);
  assert.equal(counters.get('flows.clock_rebased'), 0);
  assert.ok(out.filter((e) => e.ct_id === 2).length >= 2);
  assert.ok(out.filter((e) => e.ct_id === 1).length >= 3);
});
