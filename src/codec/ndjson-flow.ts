// The NDJSON line of a flow event, written by hand: JSON.stringify of a 20-field object costs
// qjs ~70k instructions, this ~15k. The output is byte-identical to JSON.stringify(ev) for the
// events the flow table builds (src/pipeline/flows.ts): keys in schema order, undefined ones
// left out. Addresses are written unescaped: the conntrack parser let through only hex digits,
// '.' and ':' (sources/conntrack/fields.ts address()); every other string is escaped.
import type { FlowEvent } from '../events';

// sensor, proto, state and dir repeat endlessly: their JSON spelling is kept
const quotedMemo = new Map<string, string>();
const QUOTED_MAX = 256;

function quoted(s: string): string {
  let q = quotedMemo.get(s);
  if (q === undefined) {
    q = JSON.stringify(s);
    if (quotedMemo.size >= QUOTED_MAX) quotedMemo.clear();
    quotedMemo.set(s, q);
  }
  return q;
}

/**
 * `ev` as one JSON line (no newline). Events not laid out by the flow table (no `dir` key
 * seated) go through JSON.stringify, so their key order is kept whatever it is.
 */
export function encodeFlowNdjson(ev: FlowEvent): string {
  if (!('dir' in ev)) return JSON.stringify(ev);
  let out = '{"type":"flow","ts":' + ev.ts + ',"sensor":' + quoted(ev.sensor);
  let n = ev.end;
  if (n !== undefined) out += ',"end":' + n;
  n = ev.duration;
  if (n !== undefined) out += ',"duration":' + n;
  out += ',"proto":' + quoted(ev.proto) + ',"orig_h":"' + ev.orig_h + '"';
  n = ev.orig_p;
  if (n !== undefined) out += ',"orig_p":' + n;
  out += ',"resp_h":"' + ev.resp_h + '"';
  n = ev.resp_p;
  if (n !== undefined) out += ',"resp_p":' + n;
  const nat = ev.nat_h;
  if (nat !== undefined) out += ',"nat_h":"' + nat + '"';
  n = ev.nat_p;
  if (n !== undefined) out += ',"nat_p":' + n;
  n = ev.orig_bytes;
  if (n !== undefined) out += ',"orig_bytes":' + n;
  n = ev.orig_pkts;
  if (n !== undefined) out += ',"orig_pkts":' + n;
  n = ev.resp_bytes;
  if (n !== undefined) out += ',"resp_bytes":' + n;
  n = ev.resp_pkts;
  if (n !== undefined) out += ',"resp_pkts":' + n;
  let s = ev.state;
  if (s !== undefined) out += ',"state":' + quoted(s);
  let b = ev.assured;
  if (b !== undefined) out += b ? ',"assured":true' : ',"assured":false';
  n = ev.ct_id;
  if (n !== undefined) out += ',"ct_id":' + n;
  s = ev.mac;
  if (s !== undefined) out += ',"mac":' + JSON.stringify(s);
  s = ev.hostname;
  if (s !== undefined) out += ',"hostname":' + JSON.stringify(s);
  s = ev.name;
  if (s !== undefined) out += ',"name":' + JSON.stringify(s);
  b = ev.direct;
  if (b !== undefined) out += b ? ',"direct":true' : ',"direct":false';
  b = ev.final;
  if (b !== undefined) out += b ? ',"final":true' : ',"final":false';
  s = ev.dir;
  if (s !== undefined) out += ',"dir":' + quoted(s);
  n = ev.mark;
  if (n !== undefined) out += ',"mark":' + n;
  n = ev.zone;
  if (n !== undefined) out += ',"zone":' + n;
  return out + '}';
}
