// The NDJSON line of a flow event, written by hand: JSON.stringify of a 20-field object costs
// qjs ~70k instructions, this ~15k. The output is byte-identical to JSON.stringify(ev) for the
// events the flow table builds (src/pipeline/flows.ts): keys in schema order, undefined ones
// left out. Addresses are written unescaped: the conntrack parser let through only hex digits,
// '.' and ':' (sources/conntrack/fields.ts address()); every other string is escaped.
import type { AlertEvent, FlowEvent } from '../events';
import { F_ASSURED, F_HAS_ID, F_HAS_MARK, F_START_KNOWN, type FlowStore } from '../sources/conntrack/flow-store';
import { DIV_EXACT, protoName } from '../pipeline/flows';

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

/** `out` with ',"key":v' when v is there: one call per optional number or boolean (~400 instructions). */
function put(out: string, head: string, v: number | boolean | undefined): string {
  return v === undefined ? out : out + head + v;
}

/** The same for a string from leases or DNS, escaped. */
function putText(out: string, head: string, v: string | undefined): string {
  return v === undefined ? out : out + head + JSON.stringify(v);
}

/**
 * `ev` as one JSON line (no newline). Events not laid out by the flow table (no `dir` key
 * seated) go through JSON.stringify, so their key order is kept whatever it is.
 */
export function encodeFlowNdjson(ev: FlowEvent): string {
  if (!('dir' in ev)) return JSON.stringify(ev);
  let out = put(put('{"type":"flow","ts":' + ev.ts + ',"sensor":' + quoted(ev.sensor), ',"end":', ev.end), ',"duration":', ev.duration);
  out = put(out + ',"proto":' + quoted(ev.proto) + ',"orig_h":"' + ev.orig_h + '"', ',"orig_p":', ev.orig_p);
  out = put(out + ',"resp_h":"' + ev.resp_h + '"', ',"resp_p":', ev.resp_p);
  if (ev.nat_h !== undefined) out += ',"nat_h":"' + ev.nat_h + '"';
  out = put(put(put(put(put(out, ',"nat_p":', ev.nat_p), ',"orig_bytes":', ev.orig_bytes), ',"orig_pkts":', ev.orig_pkts), ',"resp_bytes":', ev.resp_bytes), ',"resp_pkts":', ev.resp_pkts);
  if (ev.state !== undefined) out += ',"state":' + quoted(ev.state);
  out = putText(putText(putText(put(put(out, ',"assured":', ev.assured), ',"ct_id":', ev.ct_id), ',"mac":', ev.mac), ',"hostname":', ev.hostname), ',"name":', ev.name);
  out = put(put(out, ',"direct":', ev.direct), ',"final":', ev.final);
  if (ev.dir !== undefined) out += ',"dir":' + quoted(ev.dir);
  return put(put(out, ',"mark":', ev.mark), ',"zone":', ev.zone) + '}';
}

/**
 * A DNS bypass alert about a flow the table built (src/pipeline/bypass.ts: kind dns_bypass, keys
 * in that order, no source_ref, the flow last) as one JSON line, byte-identical to JSON.stringify(a): ~50k qjs
 * instructions instead of ~90k. Its addresses and match are the flow table's (unescaped, as above).
 * `flowLine`: the event's own line, when the caller has it already.
 */
export function encodeFlowAlert(a: AlertEvent, flowLine = encodeFlowNdjson(a.event as FlowEvent)): string {
  var out = '{"type":"alert","ts":' + a.ts + ',"sensor":' + quoted(a.sensor) + ',"kind":"dns_bypass","client":"' + a.client + '"';
  out = putText(putText(out, ',"mac":', a.mac), ',"hostname":', a.hostname);
  return out + ',"indicator":"' + a.indicator + '","match":"' + a.match + '","event":' + flowLine + '}';
}

// The slot writer's constant pieces, spelled once: a property read instead of a memo lookup.
let sensorOf = '';
let sensorHead = '';
const protoHead: string[] = [];
/** 1: ports (as stored), 2: ICMP (type and code as ports), else none; by protocol number */
const portKind = new Uint8Array(256);
for (const n of [6, 17, 132, 33, 136]) portKind[n] = 1;
portKind[1] = 2;
portKind[58] = 2;
/** ',"resp_p":N' of the ports below 1024 (services repeat; a number's text costs qjs ~1k). */
const respPort: Record<number, string | undefined> = Object.create(null);
/** The last state written, and its ',"state":"S"' (a flow's state is mostly the last one's). */
let stateOf = '';
let stateText = '';
const FINAL_DIR: Record<string, string> = Object.create(null);
const OPEN_DIR: Record<string, string> = Object.create(null);

/**
 * The same line straight from a flow table slot (src/pipeline/flows.ts emitSlot's event,
 * byte for byte), for a sink that needs no event object: no 25-field object to build and read
 * back. `text` is the table's string pool by handle; the later stages' fields come as values.
 */
export function encodeFlowSlot(
  store: FlowStore, text: string[], sensor: string, slot: number, at: number, final: boolean,
  mac: string | undefined, hostname: string | undefined, name: string | undefined, direct: boolean | undefined, dir: string,
): string {
  var strs = store.strs;
  var ports = store.ports;
  var s = slot * 4;
  var p = slot * 3;
  var protoNum = store.proto[slot];
  var flags = store.flags[slot];
  var start = store.start[slot];
  if (sensor !== sensorOf) {
    sensorOf = sensor;
    sensorHead = ',"sensor":' + JSON.stringify(sensor);
  }
  var out = '{"type":"flow","ts":' + start + sensorHead;
  if (at >= 0) {
    if (final) out += ',"end":' + at;
    if (flags & F_START_KNOWN) {
      var d = Math.round((at - start) * 1e6) / 1e6;
      out += ',"duration":' + (DIV_EXACT ? d : +d.toFixed(6)); // (DIV_EXACT: x87's double rounding)
    }
  }
  var head = protoHead[protoNum];
  if (head === undefined) head = protoHead[protoNum] = ',"proto":' + JSON.stringify(protoName(protoNum)) + ',"orig_h":"';
  out += head + text[strs[s]];
  var pk = portKind[protoNum];
  var op = -1;
  var rp = -1;
  if (pk === 1) {
    op = ports[p];
    rp = ports[p + 1];
    // 65535: PORT_ODD spelled out (a module constant costs qjs a variable reference)
    if (op === 65535) op = store.port_(slot, 0);
    if (rp === 65535) rp = store.port_(slot, 1);
  } else if (pk === 2) {
    // Zeek's convention: orig_p is the ICMP type, resp_p the code
    var tc = ports[p + 1];
    if (tc === 65535) tc = store.port_(slot, 1);
    if (tc >= 0) {
      op = tc >> 8;
      rp = tc & 255;
    }
  }
  out += (op >= 0 ? '","orig_p":' + op + ',"resp_h":"' : '","resp_h":"') + text[strs[s + 1]];
  out += rp < 0 ? '"' : rp < 1024 ? respPort[rp] || (respPort[rp] = '","resp_p":' + rp) : '","resp_p":' + rp;
  var nat = strs[s + 2];
  if (nat >= 0) {
    out += ',"nat_h":"' + text[nat] + '"';
    // (a protocol with ports always has a nat port)
    if (pk === 1) out += ',"nat_p":' + (ports[p + 2] === 65535 ? store.port_(slot, 2) : ports[p + 2]);
  }
  var counts = store.counts;
  var c = slot * 4;
  if (slot === store.endSlot) {
    counts = store.endCounts;
    c = 0;
  } else if (!store.counted_) c = -1;
  if (c >= 0 && counts[c] >= 0) {
    out += ',"orig_bytes":' + counts[c] + ',"orig_pkts":' + counts[c + 1] + ',"resp_bytes":' + counts[c + 2] + ',"resp_pkts":' + counts[c + 3];
  }
  var st = strs[s + 3];
  if (st >= 0) {
    if (text[st] !== stateOf) stateText = ',"state":' + quoted((stateOf = text[st]));
    out += stateText;
  }
  out += flags & F_ASSURED ? ',"assured":true' : ',"assured":false';
  if (flags & F_HAS_ID) out += ',"ct_id":' + store.id_[slot];
  if (mac !== undefined) out += ',"mac":' + JSON.stringify(mac);
  if (hostname !== undefined) out += ',"hostname":' + JSON.stringify(hostname);
  if (name !== undefined) out += ',"name":' + JSON.stringify(name);
  if (direct !== undefined) out += direct ? ',"direct":true' : ',"direct":false';
  var tails = final ? FINAL_DIR : OPEN_DIR;
  var tail = tails[dir];
  if (tail === undefined) tail = tails[dir] = (final ? ',"final":true,"dir":' : ',"final":false,"dir":') + JSON.stringify(dir);
  out += tail;
  if (flags & F_HAS_MARK && store.mark_[slot] > 0) out += ',"mark":' + store.mark_[slot];
  if (store.zoned_ && store.zone_[slot] > 0) out += ',"zone":' + store.zone_[slot];
  return out + '}';
}
