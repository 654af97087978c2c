// The flow table's share of a conntrack line under qjs, apart from reading and parsing: every
// line of FILE is parsed first into its own record (`holds` answered by the ids of the NEW lines
// seen, as the table would), then the mode runs over the records:
//   load  — nothing more (the baseline: qjs start, reading, parsing, the records kept)
//   table — FlowTable.push of every record, a tick per second of log time, flush at the end
//           (flows taken by a FlowSlotSink that drops them: no event, no line)
//   noflush — as table without the flush
//   pipe  — Pipeline.ctRecord/tick/flush into an NDJSON sink that discards the text (the replay's
//           path after the parser: direction, join, the line encoder)
// Bundle and run under callgrind; (mode - load) / lines = the mode's instructions per line:
//   npx esbuild scripts/bench/flow-table.ts --bundle --format=esm --platform=neutral \
//     --external:std --external:os --outfile=/tmp/flow-table.js --banner:js='import "std";'
//   valgrind --tool=callgrind --callgrind-out-file=/dev/null .tools/bin/qjs /tmp/flow-table.js MODE FILE
import { benchSetup } from './qjs-bench-setup';
import { Pipeline } from '../../src/agent/pipeline';
import { NdjsonSink } from '../../src/agent/ndjson-sink';
import { FlowTable } from '../../src/pipeline/flows';
import { parseConntrackEvent } from '../../src/sources/conntrack/parse';
import type { CtRecord } from '../../src/sources/conntrack/record';

// max_flows as out/bench/ct-flows.uci
const { mode, file, host, counters, options } = benchSetup(['192.0.2.0/24', '2001:db8:1::/64'], 32768);

const seen = new Set<number>();
const holds = (id: number): boolean => seen.has(id);
const recs: CtRecord[] = [];
const reader = host.openLines(file);
for (let line = reader.next(); line !== null; line = reader.next()) {
  const r = parseConntrackEvent(line, counters, undefined, holds);
  if (r === null) continue;
  if (r.kind === 'NEW') seen.add(r.id);
  else if (r.kind === 'DESTROY') seen.delete(r.id);
  recs.push(r);
}

let out = 0;
let last = 0;
if (mode === 'table' || mode === 'noflush') {
  const table = new FlowTable({ counters, sensor: 'b', emit: () => void out++, maxFlows: options.flows.maxFlows, interimSec: options.flows.interimSec });
  table.slots = { flowSlot: () => (out++, true) };
  for (let k = 0; k < recs.length; k++) {
    const r = recs[k];
    if (r.ts - last >= 0.999) {
      last = r.ts;
      table.tick(r.ts);
    }
    if (r.kind !== 'NEW') table.holds(r.id); // as the parser asks for UPDATE and DESTROY lines
    table.push(r);
  }
  if (mode === 'table') table.flush();
} else if (mode === 'pipe') {
  const sink = new NdjsonSink({ write: (t) => (out += t.length), counters });
  const pipeline = new Pipeline({ counters, sink, options });
  for (let k = 0; k < recs.length; k++) {
    const r = recs[k];
    if (r.ts - last >= 0.999) {
      last = r.ts;
      pipeline.tick(r.ts);
    }
    if (r.kind !== 'NEW') pipeline.holdsFlow(r.id);
    pipeline.ctRecord(r);
  }
  pipeline.flush();
  sink.flush();
}
host.writeStderr(`${mode}: ${recs.length} records, out ${out}, open ${seen.size}\n`);
