// NDJSON, the human and test rendering of events (docs/events.md): one JSON object per line,
// `"type"` first, keys in schema order.
//
// `dns` and `pdns` events are the bulk of the output and JSON.stringify costs ~64k instructions
// per event in qjs, so they are written by hand, field by field in schema order (the order their
// producers build them in); tests check the text equals JSON.stringify.
// Names from logs are attacker-controlled: a string is written raw only when it is known to
// need no escaping (encodeURI() leaves it unchanged, or JSON.stringify adds nothing but quotes;
// remembered in bounded memos, since names, clients and upstreams repeat), otherwise it is
// escaped by JSON.stringify. Other event types go through JSON.stringify.
//
// encodeDnsLine writes a `dns` line straight from a finished transaction's fields, for a
// pipeline where nothing else needs the event object; a `dns` event goes through it too.
// The dns writer covers exactly the DnsEvent fields (a test builds a Required<DnsEvent>, so a
// field added to the type fails the build until it is added here too); keys outside the type
// would not be written.
import { encodeFlowNdjson } from './ndjson-flow';
import type { DnsEvent, NetEvent, PdnsEvent } from '../events';

/**
 * Memos, each a null-prototype record (a lookup by a fresh string key costs ~2/3 of Set.has in
 * qjs): CLEAN holds strings known to need no escaping (value: the string); the others map a
 * client, qname, qtype, upstream or answer type to its finished JSON text part, escaped or not,
 * so the common line is a few concatenations of remembered parts. All are emptied together past
 * MEMO_MAX entries (not an LRU); answer data (addresses: most are seen once or twice) is tested
 * each time instead.
 */
type Memo = Record<string, string | undefined>;
/** encodeURI as a module binding: a global lookup per answer is dear in qjs. */
export const uri = encodeURI;
const memo = (): Memo => Object.create(null) as Memo;
let CLEAN = memo();
let CLIENT = memo();
let QNAME = memo();
let UPSTREAM = memo();
let QTYPE = memo();
let TYPE = memo();
let memoN = 0;
const MEMO_MAX = 3072;

/** v, remembered as m[k] (unless the memos were full: then they are emptied instead). */
function remember(m: Memo, k: string, v: string): string {
  if (memoN >= MEMO_MAX) {
    CLEAN = memo();
    CLIENT = memo();
    QNAME = memo();
    UPSTREAM = memo();
    QTYPE = memo();
    TYPE = memo();
    memoN = 0;
  } else {
    memoN++;
    m[k] = v;
  }
  return v;
}

/**
 * s as JSON. Most strings are clean, so the test is made cheap: encodeURI() leaves only printable
 * ASCII other than `"`, `\\`, `%`, space and `<>^`{|}` alone (all safe in JSON, and it takes the
 * `:` of IPv6 addresses and the `#` of upstreams) and costs a fraction of JSON.stringify in qjs;
 * only other strings pay for JSON.stringify. encodeURI throws on a lone surrogate, which
 * JSON.stringify escapes.
 */
function str(s: string): string {
  if (CLEAN[s] === undefined) {
    var j = '';
    try {
      if (uri(s) !== s) j = JSON.stringify(s);
    } catch {
      j = JSON.stringify(s);
    }
    if (j !== '' && j.length !== s.length + 2) return j;
    remember(CLEAN, s, s);
  }
  return '"' + s + '"';
}

/** `{"type":"dns","ts":…,"sensor":"…"` of the last time and sensor seen (one sensor per agent). */
let headTs = NaN;
let headSensor = '';
let headText = '';

/**
 * The `dns` line of a finished transaction, without building its event (~12 property additions
 * and a call chain per event in qjs): for a pipeline whose only consumer of `dns` is NDJSON.
 * `device` is the client's lease data (mac/hostname), written only when there is a client.
 * Both dns writers are this one function (writeDns passes an event through a reused line
 * source), so their key order and escaping cannot differ. Every `+` allocates in qjs (~500
 * instructions): the line is the head, client, qname, qtype and source/upstream/rcode parts from
 * the memos in one expression, then two `+` per answer. Locals are `var`: qjs checks every read of
 * a let/const local for its dead zone.
 */
export function encodeDnsLine(t: DnsLineSource, sensor: string, device?: { mac?: string; hostname?: string }): string {
  var ts = t.ts;
  var client = t.client;
  var qname = t.qname;
  var qtype = t.qtype;
  var upstream = t.upstream;
  var rcode = t.rcode;
  var a = t.ans;
  // sent upstream, no answer seen: forwarded
  var source = t.source ?? (upstream !== undefined ? 'forwarded' : undefined);
  if (ts !== headTs || sensor !== headSensor) {
    headText = '{"type":"dns","ts":' + ts + ',"sensor":' + str(sensor);
    headTs = ts;
    headSensor = sensor;
  }
  // `,"client":"C","client_port":` and the port with the device's mac and hostname; '' for what is absent
  var c = '';
  var p: number | string = '';
  if (client !== undefined) {
    var port = t.clientPort;
    if (port !== undefined) {
      c = CLIENT[client] ?? remember(CLIENT, client, ',"client":' + str(client) + ',"client_port":');
      p = port;
    } else {
      c = ',"client":' + str(client);
    }
    if (device !== undefined) {
      if (device.mac !== undefined) p += ',"mac":' + str(device.mac);
      if (device.hostname !== undefined) p += ',"hostname":' + str(device.hostname);
    }
  }
  // source, upstream and rcode repeat from event to event: per upstream the common forwarded
  // NOERROR text, else the last text without an upstream
  var r: string;
  if (upstream === undefined) {
    if (source !== soloSource || rcode !== soloRcode) {
      soloText = partsText(source, upstream, rcode);
      soloSource = source;
      soloRcode = rcode;
    }
    r = soloText;
  } else if (source === 'forwarded' && rcode === 'NOERROR') {
    r = UPSTREAM[upstream] ?? remember(UPSTREAM, upstream, partsText(source, upstream, rcode));
  } else r = partsText(source, upstream, rcode);
  var q = QNAME[qname] ?? remember(QNAME, qname, ',"qname":' + str(qname));
  var s = headText + c + p + q +
    (qtype === 'A' ? ',"qtype":"A"' : qtype === 'AAAA' ? ',"qtype":"AAAA"' : QTYPE[qtype] ?? remember(QTYPE, qtype, ',"qtype":' + str(qtype))) + r;
  // answers: name, type, data in three slots each. The form of an answer,
  // `{"name":"NAME","type":"T","data":"`, is kept for the last name and type, and (once needed)
  // with the separator after an answer (`"},`). `open`: the last answer written ends inside its
  // data string; its `"}` goes out with what follows.
  var okName = q.length === qname.length + 11 ? qname : null; // the qname is clean
  var okData: string | null = null; // the last clean data (a CNAME's target names the next answers)
  var open = false;
  var end = a.length - 2;
  for (var i = 0; i < end; i += 3) {
    var n = a[i] as string;
    var ty = a[i + 1] as string;
    var d = a[i + 2];
    if (n !== repName || ty !== repType) {
      var mid = ty === 'A' ? '","type":"A","data":"' : ty === 'AAAA' ? '","type":"AAAA","data":"' : ty === 'CNAME' ? '","type":"CNAME","data":"' :
        TYPE[ty] ?? remember(TYPE, ty, '","type":' + str(ty) + ',"data":"');
      repForm = n === okName || n === okData || CLEAN[n] !== undefined ? '{"name":"' + n + mid : '{"name":' + str(n) + mid.slice(1);
      repNextOk = false;
      repName = n;
      repType = ty;
    }
    var clean = d !== null;
    if (clean) {
      try {
        clean = uri(d as string) === d; // str()'s test, inline: most data is new and clean
      } catch {
        clean = false; // a lone surrogate: escaped below
      }
    }
    if (clean) {
      okData = d;
      if (open) {
        if (!repNextOk) {
          repNext = '"},' + repForm;
          repNextOk = true;
        }
        s += repNext + d;
      } else {
        s += i === 0 ? repForm + d : ',' + repForm + d;
        open = true;
      }
      continue;
    }
    s += (i === 0 ? '' : open ? '"},' : ',') + repForm.slice(0, -1) + (d === null ? 'null}' : str(d) + '}');
    open = false;
  }
  // the common tail in one expression
  var id = t.serial;
  var blocked = t.blocked;
  var dnssec = t.dnssec;
  if (!blocked && dnssec === undefined && id >= 0 && t.answered) return s + (open ? '"}],"id":' : '],"id":') + id + '}';
  s += open ? '"}]' : ']';
  if (blocked) s += ',"blocked":true';
  if (dnssec !== undefined) s += ',"dnssec":"' + dnssec + '"';
  if (id >= 0) s += ',"id":' + id;
  return s + (t.answered ? '}' : ',"complete":false}');
}

/**
 * `,"source":…,"upstream":…,"rcode":…` of those that are there, and the start of the answers (a
 * source is one of DnsEvent['source']: no escaping).
 */
function partsText(source: string | undefined, upstream: string | undefined, rcode: string | undefined): string {
  return (source === undefined ? '' : ',"source":"' + source + '"') + (upstream === undefined ? '' : ',"upstream":' + str(upstream)) +
    (rcode === undefined ? '' : rcode === 'NOERROR' ? ',"rcode":"NOERROR"' : ',"rcode":' + str(rcode)) + ',"answers":[';
}

/** dnsFields' memo of the last source/rcode text without an upstream (null: none yet). */
let soloSource: string | undefined | null = null;
let soloRcode: string | undefined | null = null;
let soloText = '';
/**
 * The last answer's name and type (null: none yet), its form and (once needed: repNextOk) the form
 * after an open answer (a flag, not a test for '': a string compare is ~250 instructions in qjs).
 */
let repName: string | null = null;
let repType: string | null = null;
let repForm = '';
let repNext = '';
let repNextOk = false;

/** The line source writeDns fills from an event (reused: the writer is not reentrant). */
const L: DnsLineSource = {
  ts: 0, qname: '', qtype: '', ans: [], blocked: false, serial: -1, answered: true,
};
/** L's answers in the flat form. */
const flat: (string | null)[] = [];

/**
 * A `dns` event's line through encodeDnsLine. What a transaction never gives (blocked:false,
 * complete:true, a negative or NaN id, an upstream without a source, port or device without a
 * client) cannot pass through a line source: JSON.stringify writes those.
 */
function writeDns(e: DnsEvent): string {
  if (e.blocked === false || e.complete === true || !(e.id === undefined || e.id >= 0) || (e.source === undefined && e.upstream !== undefined) ||
    (e.client === undefined && (e.client_port !== undefined || e.mac !== undefined || e.hostname !== undefined))) return JSON.stringify(e);
  const ans = e.answers;
  let k = 0;
  for (let i = 0; i < ans.length; i++, k += 3) {
    const x = ans[i];
    flat[k] = x.name;
    flat[k + 1] = x.type;
    flat[k + 2] = x.data;
  }
  flat.length = k;
  L.ts = e.ts;
  L.client = e.client;
  L.clientPort = e.client_port;
  L.qname = e.qname;
  L.qtype = e.qtype;
  L.source = e.source;
  L.upstream = e.upstream;
  L.rcode = e.rcode;
  L.ans = flat;
  L.blocked = e.blocked === true;
  L.dnssec = e.dnssec;
  L.serial = e.id ?? -1;
  L.answered = e.complete !== false;
  return encodeDnsLine(L, e.sensor, e);
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
 * A `pdns` event's line: through encodePdnsKey when the event is as PassiveDns makes them (ts is
 * time_last, sensor_id the sensor, no bailiwick) and its key is clean (below), else JSON.stringify.
 *
 * A grouping key (rrname NUL rrtype NUL the values joined by NUL) is clean when no part needs
 * escaping as JSON nor holds a NUL. One encodeURI of the whole key tells: it makes each NUL three
 * characters long and a key of nv values holds at least nv + 1 of them, so the length grows by
 * exactly 2 * (nv + 1) only when there are no more and nothing else changed (it throws on a lone
 * surrogate). PassiveDns makes the same test when a record is made.
 */
function writePdns(e: PdnsEvent): string {
  var d = e.rdata;
  var n = d.length;
  var key = e.rrname + '\u0000' + e.rrtype + '\u0000' + d.join('\u0000');
  try {
    if (n > 0 && (e.ts === e.time_last || e.ts !== e.ts) && e.sensor === e.sensor_id && e.bailiwick === undefined && uri(key).length === key.length + 2 * (n + 1)) {
      return encodePdnsKey(key, e.rrname.length, e.rrtype.length, n, e.time_first, e.time_last, e.count, e.sensor);
    }
  } catch {
    // a lone surrogate: not clean
  }
  return JSON.stringify(e);
}

/** encodePdnsKey's memos: the sensor's parts, the head and tail of the last (first, last, count). */
let pSensor: string | null = null;
let pSensorQ = '';
let pSensorEnd = '';
let pHead = '';
let pFirst = NaN;
let pLast = NaN;
let pCount = NaN;
let pTail = '';

/**
 * The `pdns` line of a record straight from its grouping key (its rrname and rrtype nl and tl
 * characters long) and numbers, for a clean key (see writePdns). The head and the numbers' tail
 * repeat from record to record (a memo of the last ones). `var`: qjs checks every read of a
 * let/const local for its dead zone.
 */
export function encodePdnsKey(key: string, nl: number, tl: number, nv: number, first: number, last: number, count: number, sensor: string): string {
  if (sensor !== pSensor) {
    var sj = str(sensor);
    pSensorQ = ',"sensor":' + sj + ',"rrname":"';
    pSensorEnd = ',"sensor_id":' + sj + '}';
    pSensor = sensor;
    pFirst = NaN;
  }
  if (first !== pFirst || last !== pLast || count !== pCount) {
    pHead = '{"type":"pdns","ts":' + last + pSensorQ;
    pTail = '"],"time_first":' + first + ',"time_last":' + last + ',"count":' + count + pSensorEnd;
    pFirst = first;
    pLast = last;
    pCount = count;
  }
  // slices at known places: measured cheaper in qjs than split() or replace() on the key
  var b = nl + 1 + tl;
  var v = key.slice(b + 1);
  return pHead + key.slice(0, nl) + '","rrtype":"' + key.slice(nl + 1, b) + '","rdata":["' + (nv === 1 ? v : v.replaceAll('\u0000', '","')) + pTail;
}

/** One event as one line of JSON, without the trailing newline. */
export function encodeNdjson(ev: NetEvent): string {
  const t = ev.type;
  return t === 'dns' ? writeDns(ev) : t === 'flow' ? encodeFlowNdjson(ev) : t === 'pdns' ? writePdns(ev) : JSON.stringify(ev);
}
