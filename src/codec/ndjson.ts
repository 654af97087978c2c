// NDJSON, the human and test rendering of events (docs/events.md): one JSON object per line,
// `"type"` first, keys in schema order.
//
// `dns` and `pdns` events are the bulk of the output and JSON.stringify costs ~64k instructions
// per event in qjs, so they are written by hand (~4x cheaper), field by field in schema order
// (the order their producers build them in); tests check the text equals JSON.stringify.
// Names from logs are attacker-controlled: a string is written raw only when it is known to
// need no escaping (escape() leaves it unchanged, or JSON.stringify adds nothing but quotes;
// remembered in a bounded set, since names, clients and addresses repeat), otherwise it is
// escaped by JSON.stringify. Other event types go through JSON.stringify.
//
// The dns writer covers exactly the DnsEvent fields (a test builds a Required<DnsEvent>, so a
// field added to the type fails the build until it is added here too); keys outside the type
// would not be written.
import { encodeFlowNdjson } from './ndjson-flow';
import type { DnsAnswer, DnsEvent, NetEvent, PdnsEvent } from '../events';

/** Strings known to need no JSON escaping; cleared when full (a bound, not an LRU). */
const CLEAN = new Set<string>();
const CLEAN_MAX = 2048;

/**
 * A string as JSON. Most names are new (the memo hits ~half the time on a busy log), so the miss
 * is made cheap too: encodeURI() leaves only printable ASCII other than `"`, `\`, `%`, space and
 * `<>^`{|}` alone (all safe in JSON, and it takes the `:` of IPv6 addresses and the `#` of
 * upstreams, which escape() did not) and costs a fraction of JSON.stringify in qjs; only other
 * strings pay for JSON.stringify. It throws on a lone surrogate, which JSON.stringify escapes.
 */
function uriClean(s: string): boolean {
  try {
    return encodeURI(s).length === s.length;
  } catch {
    return false;
  }
}

function str(s: string): string {
  if (CLEAN.has(s)) return '"' + s + '"';
  if (!uriClean(s)) {
    const j = JSON.stringify(s);
    if (j.length !== s.length + 2) return j;
  }
  if (CLEAN.size >= CLEAN_MAX) CLEAN.clear();
  CLEAN.add(s);
  return '"' + s + '"';
}

/** s as the inside of a JSON string (no quotes): itself when clean, else escaped. */
function inner(s: string): string {
  if (CLEAN.has(s)) return s;
  const j = str(s);
  return j.length === s.length + 2 ? s : j.slice(1, -1);
}

/** `,"sensor":"…"` of the last sensor seen (one sensor per agent). */
let sensorOf = '';
let sensorPart = '';

function writeDns(e: DnsEvent): string {
  // Fewer concatenations: each `+` costs an allocation in qjs, so quotes ride on the key text.
  if (e.sensor !== sensorOf) {
    sensorPart = ',"sensor":' + str(e.sensor);
    sensorOf = e.sensor;
  }
  let s = '{"type":"dns","ts":' + e.ts + sensorPart;
  if (e.client !== undefined) s += ',"client":"' + inner(e.client) + '"';
  if (e.client_port !== undefined) s += ',"client_port":' + e.client_port;
  if (e.mac !== undefined) s += ',"mac":"' + inner(e.mac) + '"';
  if (e.hostname !== undefined) s += ',"hostname":"' + inner(e.hostname) + '"';
  s += ',"qname":"' + inner(e.qname) + '","qtype":"' + inner(e.qtype) + '"';
  if (e.source !== undefined) s += ',"source":"' + e.source + '"';
  if (e.upstream !== undefined) s += ',"upstream":"' + inner(e.upstream) + '"';
  if (e.rcode !== undefined) s += ',"rcode":"' + inner(e.rcode) + '"';
  s += ',"answers":[';
  const a: DnsAnswer[] = e.answers;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const n = x.name;
    const t = x.type;
    const d = x.data;
    // Memo hits inline: a call per field is dear in qjs, and answers are most of the fields.
    s += (i === 0 ? '{"name":"' : ',{"name":"') + (CLEAN.has(n) ? n : inner(n)) + '","type":"' +
      (CLEAN.has(t) ? t : inner(t)) + (d === null ? '","data":null}' : '","data":"' + (CLEAN.has(d) ? d : inner(d)) + '"}');
  }
  s += ']';
  if (e.blocked !== undefined) s += ',"blocked":' + e.blocked;
  if (e.dnssec !== undefined) s += ',"dnssec":"' + e.dnssec + '"';
  if (e.id !== undefined) s += ',"id":' + e.id;
  if (e.complete !== undefined) s += ',"complete":' + e.complete;
  return s + '}';
}

function writePdns(e: PdnsEvent): string {
  let s = '{"type":"pdns","ts":' + e.ts + ',"sensor":' + str(e.sensor) + ',"rrname":' + str(e.rrname) +
    ',"rrtype":' + str(e.rrtype) + ',"rdata":[';
  const d = e.rdata;
  for (let i = 0; i < d.length; i++) s += (i === 0 ? '' : ',') + str(d[i]);
  s += '],"time_first":' + e.time_first + ',"time_last":' + e.time_last + ',"count":' + e.count +
    ',"sensor_id":' + str(e.sensor_id);
  if (e.bailiwick !== undefined) s += ',"bailiwick":' + str(e.bailiwick);
  return s + '}';
}

/** One event as one line of JSON, without the trailing newline. */
export function encodeNdjson(ev: NetEvent): string {
  const t = ev.type;
  return t === 'dns' ? writeDns(ev) : t === 'flow' ? encodeFlowNdjson(ev) : t === 'pdns' ? writePdns(ev) : JSON.stringify(ev);
}
