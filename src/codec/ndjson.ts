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
// encodeDnsLine writes the same `dns` line straight from a finished transaction's fields, for a
// pipeline where nothing else needs the event object.
// The dns writer covers exactly the DnsEvent fields (a test builds a Required<DnsEvent>, so a
// field added to the type fails the build until it is added here too); keys outside the type
// would not be written.
import { encodeFlowNdjson } from './ndjson-flow';
import type { DnsEvent, NetEvent, PdnsEvent } from '../events';

/**
 * Strings known to need no JSON escaping, in two bounded memos (cleared when full, not an LRU):
 * FEW for the low-cardinality ones (sensor, clients, upstreams, query and record types, rcodes,
 * macs, hostnames) and NAMES for names, which are many; answer data (addresses: most are seen
 * once or twice) is tested each time rather than crowd the names out.
 */
const FEW = new Set<string>();
const NAMES = new Set<string>();
const FEW_MAX = 1024;
const NAMES_MAX = 2048;

/**
 * '' when s needs no escaping (remembered in memo when given), else s as JSON. Most strings are
 * clean, so the test is made cheap: encodeURI() leaves only printable ASCII other than `"`, `\\`,
 * `%`, space and `<>^`{|}` alone (all safe in JSON, and it takes the `:` of IPv6 addresses and
 * the `#` of upstreams) and costs a fraction of JSON.stringify in qjs; only other strings pay for
 * JSON.stringify. encodeURI throws on a lone surrogate, which JSON.stringify escapes.
 */
function esc(s: string, memo: Set<string> | null, max: number): string {
  let clean = false;
  try {
    clean = encodeURI(s).length === s.length;
  } catch {
    // a lone surrogate: JSON.stringify below
  }
  if (!clean) {
    const j = JSON.stringify(s);
    if (j.length !== s.length + 2) return j;
  }
  if (memo !== null) {
    if (memo.size >= max) memo.clear();
    memo.add(s);
  }
  return '';
}

/** s as JSON (pdns writer). */
function str(s: string): string {
  if (NAMES.has(s)) return '"' + s + '"';
  const e = esc(s, NAMES, NAMES_MAX);
  return e === '' ? '"' + s + '"' : e;
}

/** `,"key":` + s as JSON, for a low-cardinality string; `key` comes as `,"key":`. */
function few(key: string, s: string): string {
  if (FEW.has(s)) return key + '"' + s + '"';
  const e = esc(s, FEW, FEW_MAX);
  return e === '' ? key + '"' + s + '"' : key + e;
}

/** `{"type":"dns","ts":…,"sensor":"…"` of the last time and sensor seen (one sensor per agent). */
let headTs = NaN;
let headSensor = '';
let headText = '';

/** `,"source":"…"` of the sources a dns event can have (DnsEvent['source']). */
const SOURCE_PART: Record<string, string | undefined> = Object.assign(Object.create(null) as object, {
  forwarded: ',"source":"forwarded"', cached: ',"source":"cached"', stale: ',"source":"stale"',
  config: ',"source":"config"', hosts: ',"source":"hosts"', dhcp: ',"source":"dhcp"', local: ',"source":"local"',
});

/** `","type":"T","data":"` for the common types */
const MID_A = '","type":"A","data":"';
const MID_AAAA = '","type":"AAAA","data":"';
const MID_CNAME = '","type":"CNAME","data":"';

/**
 * A `dns` line from its fields in schema order, undefined ones left out. Both dns writers are
 * this one function, so their key order and escaping cannot differ (and the bundle carries it
 * once); positional, because an object to pass them in is what encodeDnsLine exists to avoid.
 * Every `+` allocates in qjs: the common path (clean strings, A/AAAA/CNAME answers) writes each
 * field with the fewest, quotes riding on the key text.
 */
function dnsFields(ts: number, sensor: string, client: string | undefined, port: number | undefined,
  mac: string | undefined, hostname: string | undefined, qname: string, qtype: string,
  source: string | undefined, upstream: string | undefined, rcode: string | undefined, a: readonly (string | null)[],
  blocked: boolean | undefined, dnssec: string | undefined, id: number | undefined, complete: boolean | undefined): string {
  if (ts !== headTs || sensor !== headSensor) {
    headText = few('{"type":"dns","ts":' + ts + ',"sensor":', sensor);
    headTs = ts;
    headSensor = sensor;
  }
  let s = headText;
  let okName = NAMES.has(qname) ? qname : '';
  if (okName !== '' && client !== undefined && port !== undefined && mac === undefined && hostname === undefined &&
    (qtype === 'A' || qtype === 'AAAA' || FEW.has(qtype)) && FEW.has(client)) {
    // the common head, known clean: one expression (every `+=` is one more string in qjs)
    s += ',"client":"' + client + '","client_port":' + port + ',"qname":"' + qname + '","qtype":"' + qtype + '"';
  } else {
    if (client !== undefined) s += few(',"client":', client);
    if (port !== undefined) s += ',"client_port":' + port;
    if (mac !== undefined) s += few(',"mac":', mac);
    if (hostname !== undefined) s += few(',"hostname":', hostname);
    if (okName !== '') {
      s += ',"qname":"' + qname + '"';
    } else {
      const e = esc(qname, NAMES, NAMES_MAX);
      if (e === '') okName = qname;
      s += e === '' ? ',"qname":"' + qname + '"' : ',"qname":' + e;
    }
    s += few(',"qtype":', qtype);
  }
  // source, upstream and rcode repeat from event to event: the last text without an upstream is
  // kept, and per upstream the common forwarded NOERROR one
  if (upstream === undefined) {
    if (source !== soloSource || rcode !== soloRcode) {
      soloText = sourceText(source) + rcodeText(rcode);
      soloSource = source;
      soloRcode = rcode;
    }
    s += soloText;
  } else if (source === 'forwarded' && rcode === 'NOERROR') {
    let u = UPSTREAMS.get(upstream);
    if (u === undefined) {
      u = ',"source":"forwarded"' + few(',"upstream":', upstream) + ',"rcode":"NOERROR","answers":[';
      if (UPSTREAMS.size >= 64) UPSTREAMS.clear();
      UPSTREAMS.set(upstream, u);
    }
    s += u;
  } else {
    s += sourceText(source) + few(',"upstream":', upstream) + rcodeText(rcode);
  }
  // answers: name, type, data in three slots each. `open`: the last one written ends inside its
  // data string; its `"}` goes out with what follows (one `+` fewer per answer)
  let open = false;
  for (let i = 0; i + 2 < a.length; i += 3) {
    const n = a[i] as string;
    const ty = a[i + 1] as string;
    const d = a[i + 2];
    const sep = i === 0 ? '{"name":"' : open ? '"},{"name":"' : ',{"name":"';
    open = false;
    // The common answer: a clean name (mostly the one before it) and type, clean data or none.
    let clean = d === null;
    if (!clean) {
      try {
        clean = encodeURI(d as string).length === (d as string).length; // esc()'s test, inline: most data is new and clean
      } catch {
        // a lone surrogate: escaped below
      }
    }
    if (clean && ((n === repName && ty === repType) || ((n === okName || NAMES.has(n) || esc(n, NAMES, NAMES_MAX) === '') &&
      (ty === 'A' || ty === 'AAAA' || ty === 'CNAME' || FEW.has(ty) || esc(ty, FEW, FEW_MAX) === '')))) {
      okName = n;
      if (d === null) {
        s += sep + n + '","type":"' + ty + '","data":null}';
        continue;
      }
      if (n !== repName || ty !== repType) {
        repText = n + (ty === 'A' ? MID_A : ty === 'AAAA' ? MID_AAAA : ty === 'CNAME' ? MID_CNAME : '","type":"' + ty + '","data":"');
        repName = n;
        repType = ty;
      }
      s += sep + repText + d;
      open = true;
      continue;
    }
    s += sep.slice(0, -1) + str(n) + ',"type":' + str(ty) + ',"data":' + (d === null ? 'null}' : str(d) + '}');
  }
  // the common tail in one expression
  if (blocked === undefined && dnssec === undefined && id !== undefined && complete === undefined) return s + (open ? '"}],"id":' : '],"id":') + id + '}';
  s += open ? '"}]' : ']';
  if (blocked !== undefined) s += blocked ? ',"blocked":true' : ',"blocked":false';
  if (dnssec !== undefined) s += ',"dnssec":"' + dnssec + '"';
  if (id !== undefined) s += ',"id":' + id;
  return s + (complete === undefined ? '}' : complete ? ',"complete":true}' : ',"complete":false}');
}

/** `,"source":"…"` (or '' when undefined). */
function sourceText(source: string | undefined): string {
  return source === undefined ? '' : SOURCE_PART[source] ?? ',"source":"' + source + '"';
}

/** `,"rcode":…` (or '' when undefined) and the start of the answers. */
function rcodeText(rcode: string | undefined): string {
  return rcode === undefined ? ',"answers":[' : rcode === 'NOERROR' ? ',"rcode":"NOERROR","answers":[' : few(',"rcode":', rcode) + ',"answers":[';
}

/** dnsFields' memo of the last source/rcode text without an upstream (null: none yet). */
let soloSource: string | undefined | null = null;
let soloRcode: string | undefined | null = null;
let soloText = '';
/** `,"source":"forwarded","upstream":…,"rcode":"NOERROR","answers":[` by upstream (a few; emptied when full) */
const UPSTREAMS = new Map<string, string>();
/** `NAME","type":"T","data":"` of the last clean answer with data: its name and type (null: none yet). */
let repName: string | null = null;
let repType: string | null = null;
let repText = '';

/** An event's answers in the writer's flat form (one array reused: the writer is not reentrant). */
const flat: (string | null)[] = [];

function writeDns(e: DnsEvent): string {
  const ans = e.answers;
  let k = 0;
  for (let i = 0; i < ans.length; i++, k += 3) {
    const x = ans[i];
    flat[k] = x.name;
    flat[k + 1] = x.type;
    flat[k + 2] = x.data;
  }
  flat.length = k;
  return dnsFields(e.ts, e.sensor, e.client, e.client_port, e.mac, e.hostname, e.qname, e.qtype, e.source, e.upstream,
    e.rcode, flat, e.blocked, e.dnssec, e.id, e.complete);
}

/**
 * What a `dns` line is written from when no event object is built: the fields of a finished
 * transaction (src/pipeline/dns-transaction.ts `Transaction` extends it). The mapping is the one of
 * buildDnsEvent (src/pipeline/dns-event.ts); a test checks both give the same text.
 */
export interface DnsLineSource {
  /** time of the query line */
  ts: number;
  client?: string;
  clientPort?: number;
  qname: string;
  qtype: string;
  source?: DnsEvent['source'];
  upstream?: string;
  rcode?: string;
  /** answers flat: name, type, data of each */
  ans: readonly (string | null)[];
  blocked: boolean;
  dnssec?: DnsEvent['dnssec'];
  /** `id` when >= 0 (extra mode) */
  serial: number;
  /** an answer-side line (answer, negative, rcode, truncated, duplicate) arrived; `complete:false` when not */
  answered: boolean;
}

/**
 * The `dns` line of a finished transaction, without building its event (~12 property additions
 * and a call chain per event in qjs): for a pipeline whose only consumer of `dns` is NDJSON.
 * `device` is the client's lease data (mac/hostname), written only when there is a client.
 */
export function encodeDnsLine(t: DnsLineSource, sensor: string, device?: { mac?: string; hostname?: string }): string {
  const client = t.client;
  const upstream = t.upstream;
  const dev = client !== undefined ? device : undefined;
  return dnsFields(t.ts, sensor, client, client !== undefined ? t.clientPort : undefined, dev?.mac, dev?.hostname,
    t.qname, t.qtype,
    // sent upstream, no answer seen: forwarded
    t.source !== undefined ? t.source : upstream !== undefined ? 'forwarded' : undefined,
    upstream, t.rcode, t.ans, t.blocked ? true : undefined, t.dnssec, t.serial >= 0 ? t.serial : undefined,
    t.answered ? undefined : false);
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
