// Where the conntrack path's time goes under qjs, stage by stage, on one events file:
//   lines   — read the lines only
//   parse   — + parseConntrackEvent, every line in full (no `holds`)
//   held    — + parseConntrackEvent with `holds` answered by a Set of the ids of NEW lines seen
//             (the table's cost left out); held:N, held:U, held:D parse only that kind and
//             lines:N, lines:U, lines:D are their baselines (read + the kind test)
//   table   — + the flow table, with its `holds` (events dropped)
//   pipe    — + the whole pipeline (direction, devices, join, bypass, ioc), events dropped
//   ndjson  — + the NDJSON sink (output discarded)
//   s:LETTERS — the table, then onFlow's stages one by one, cumulatively: c classify,
//             d devices.lookup, j join.annotate, o device fields, b bypass, i ioc, s JSON.stringify,
//             n encodeFlowNdjson
// Bundle and run (compare modes; subtract `lines` for the per-line cost of the rest):
//   npx esbuild scripts/bench/conntrack-stages.ts --bundle --format=esm --platform=neutral \
//     --external:std --external:os --outfile=/tmp/ct-stages.js --banner:js='import "std";'
//   .tools/bin/qjs /tmp/ct-stages.js MODE FILE
import { benchSetup } from './qjs-bench-setup';
import { Pipeline } from '../../src/agent/pipeline';
import { NdjsonSink } from '../../src/agent/ndjson-sink';
import { FlowTable } from '../../src/pipeline/flows';
import { parseConntrackEvent } from '../../src/sources/conntrack/parse';
import { emptyRecord } from '../../src/sources/conntrack/record';
import type { FlowEvent, NetEvent } from '../../src/events';
import { classifyFlow } from '../../src/pipeline/direction';
import { Devices } from '../../src/pipeline/devices';
import { AnswerJoin } from '../../src/pipeline/join';
import { BypassDetector } from '../../src/pipeline/bypass';
import { IocMatcher } from '../../src/pipeline/ioc';
import type { FlowContext } from '../../src/pipeline/flows';
import { encodeFlowNdjson } from '../../src/codec/ndjson-flow';

const { mode, file, host, counters, options } = benchSetup(['192.0.2.0/24']);
let out = 0;
let last = 0;
const sink =
  mode === 'ndjson'
    ? new NdjsonSink({ write: (t) => (out += t.length), counters })
    : { emit: (_ev: NetEvent) => void out++ };
const pipeline = new Pipeline({ counters, sink, options });
const st = mode.startsWith("s:") ? mode.slice(2) || "-" : "";
const net = { routerAddrs: ['198.51.100.1'], lanPrefixes: ['192.0.2.0/24'] };
const devices = new Devices({ counters, now: () => last, graceSec: 60, maxDevices: 1000 });
const join = new AnswerJoin({ counters, ttlSec: 3600, maxPerClient: 100, maxTotal: 1000, warmupSec: 0 });
const bypass = new BypassDetector({
  counters, emit: () => void out++, sensor: 'b', routerAddrs: net.routerAddrs, allowed: options.bypass.allow,
  windowSec: options.bypass.windowSec, ports: options.bypass.ports,
});
const ioc = new IocMatcher({ sensor: 'b', counters, emit: () => void out++, maxIndicators: 10 });
function stages(raw: FlowEvent, ctx: FlowContext): void {
  let ev = raw;
  let info;
  if (st.includes('c')) raw.dir = classifyFlow({ orig_h: raw.orig_h, resp_h: raw.resp_h, reply_h: ctx.reply_h }, net);
  if (st.includes('d')) info = devices.lookup(raw.orig_h) ?? (raw.dir === 'inbound' ? devices.lookup(ctx.reply_h) : undefined);
  if (st.includes('j')) join.annotate(raw, raw.dir as string);
  if (st.includes('o') && info !== undefined) {
    raw.mac = info.mac;
    raw.hostname = info.hostname;
  }
  if (st.includes('b')) bypass.check(ev, ctx.reply_h !== ev.resp_h ? ctx.reply_h : undefined);
  if (st.includes('i')) ioc.checkFlow(ev);
  if (st.includes('s')) out += JSON.stringify(ev).length;
  if (st.includes('n')) out += encodeFlowNdjson(ev).length;
}
const table = new FlowTable({ counters, sensor: 'b', emit: st ? stages : () => void out++, maxFlows: options.flows.maxFlows, interimSec: options.flows.interimSec });
const seen = new Set<number>();
const only = mode.charCodeAt(mode.length - 2) === 58 ? mode.charCodeAt(mode.length - 1) : 0;
const held = mode.startsWith('held');
const holds = mode === 'parse' ? undefined : held ? (id: number) => seen.has(id) : mode === 'table' || st ? table.holds : pipeline.holdsFlow;
const scratch = emptyRecord('NEW');
const t0 = Date.now();
const reader = host.openLines(file);
let n = 0;
for (let line = reader.next(); line !== null; line = reader.next()) {
  n++;
  if (only !== 0) {
    const k = line.charCodeAt(line.indexOf('[', 2) + 1);
    if (k !== only) {
      // the other kinds only keep the held ids as the table would (the same work in lines:X)
      if (k === 78) seen.add(+line.slice(line.lastIndexOf('=') + 1));
      continue;
    }
  }
  if (mode.startsWith('lines')) continue;
  const r = parseConntrackEvent(line, counters, scratch, holds);
  if (r === null || mode === 'parse') continue;
  if (held) {
    if (r.kind === 'NEW') seen.add(r.id);
    else if (r.kind === 'DESTROY') seen.delete(r.id);
    continue;
  }
  if (mode === 'table' || st) {
    if (st && r.ts - last >= 0.999) {
      last = r.ts;
      table.tick(r.ts);
    }
    table.push(r);
    continue;
  }
  if (r.ts - last >= 0.999) {
    last = r.ts;
    pipeline.tick(r.ts);
  }
  pipeline.ctRecord(r);
}
if (mode === 'pipe' || mode === 'ndjson') pipeline.flush();
if (st) table.flush();
if (sink instanceof NdjsonSink) sink.flush();
host.writeStderr(`${mode}: ${n} lines, ${Date.now() - t0} ms, out ${out}\n`);
