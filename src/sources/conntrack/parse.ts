// Parsers for conntrack's text, without regular expressions (one regex per line costs qjs
// ~29k instructions) and without character loops (~250 instructions per character): lines
// are cut at known offsets and with indexOf; numbers are read with `+line.slice()`.
//
// Formats (libnetfilter_conntrack __snprintf_conntrack_default, conntrack-tools event_cb,
// kernel nf_conntrack_standalone.c ct_seq_show):
//   event:  [sec.usec]\t    [NEW] ipv4     2 tcp      6 120 SYN_SENT src=.. dst=.. sport=.. dport=..
//           [UNREPLIED] src=.. dst=.. sport=.. dport=.. id=N
//   list:   ipv4     2 tcp      6 431999 ESTABLISHED src=.. dst=.. sport=.. dport=.. packets=..
//           bytes=.. src=.. .. [ASSURED] mark=0 delta-time=5 use=1 id=N
//   /proc:  the list layout without id, IPv6 as 8 zero-padded groups, no timeout when
//           offloaded, `[HW_OFFLOAD]`/`[OFFLOAD]` in place of `[ASSURED]`, zone=N always.
// The timestamp is "[%-.8ld.%-.6ld]\t", the event tag "%9s ", family and protocol "%-8s %u ".
// Tuples: sport/dport (tcp, udp, sctp, dccp, udplite), type/code/id (icmp, icmpv6),
// srckey/dstkey (gre), nothing (others). Optional: zone-orig=, zone-reply=, packets=, bytes=,
// mark=, secmark=, secctx=, zone=, delta-time=, helper=, use=, id=, labels=, and newer tools'
// [USERSPACE] portid= progname=.

// The per-line functions declare their locals with var: qjs 2025-04 checks every read of a
// let/const local for its dead zone (~15 instructions a read; -1.7k on a NEW line).
import type { Counters } from '../../counters';
import { newDict } from '../../compat/lang';
import { attributes, counters as accounting, fail, failure, num, tuplesFast } from './fields';
import { ABSENT, clearTuples, emptyRecord, resetForParse, type CtKind, type CtRecord } from './record';

const BAD_HEADER = 'conntrack.bad_header';
const BAD_TIMESTAMP = 'conntrack.bad_timestamp';
const NO_EVENT_TAG = 'conntrack.no_event_tag';

/**
 * One line of `conntrack -E -o timestamp,extended,id` (the timestamp prefix and the extended
 * family are optional). Returns null for the tool's summary line and blank lines (counted
 * `conntrack.ignored`) and for garbage (counted as a drop by reason, with a sample).
 * `into`: a record to fill instead of a new one, for callers that do not keep it.
 * `holds`: when it says yes to an UPDATE's or DESTROY's conntrack id, the tuples are skipped
 * (`partial`): the flow table already knows the flow, and they are most of the cost. A partial
 * UPDATE has no time either (ts ABSENT); a partial DESTROY keeps its time and the counters.
 */
export function parseConntrackEvent(
  line: string,
  counters: Counters,
  into?: CtRecord,
  holds?: (id: number) => boolean,
): CtRecord | null {
  var close = -1; // the timestamp's ']'; the number is read only when needed
  var kind: CtKind;
  var i: number; // the first tuple field
  var rec: CtRecord;
  var c1 = line.charCodeAt(1);
  var stamped = line.charCodeAt(0) === 91 && c1 >= 48 && c1 <= 57;
  // the usual "[sec.usec]\t%9s %-8s %u %-8s %u " as one key: tag, family and protocol at once
  var head = stamped && (close = line.indexOf(']', 2)) > 0 ? EVENT_HEADS[line.slice(close + 1, close + 34)] : undefined;
  if (head !== undefined && (head.rest_ === '' || line.startsWith(head.rest_, close + 34))) {
    kind = head.kind_;
    rec = into === undefined ? emptyRecord(kind) : resetForParse(into, kind);
    i = seat(line, close + 34 + head.rest_.length, rec, head);
  } else {
    if (stamped && close < 0) return refuse(counters, BAD_TIMESTAMP, line);
    var b = line.indexOf('[', close + 1); // the event tag's '[', after only blanks
    if (b < 0 || !blank(line, close + 1, b)) return ignorable(line) ? ignore(counters) : refuse(counters, NO_EVENT_TAG, line);
    var t = line.charCodeAt(b + 1);
    var tag: CtKind | '' = t === 85 ? 'UPDATE' : t === 78 ? 'NEW' : t === 68 ? 'DESTROY' : '';
    // "[NEW]", "[UPDATE]", "[DESTROY]": the ']' right after the name
    if (tag === '' || line.charCodeAt(b + tag.length + 1) !== 93) return refuse(counters, NO_EVENT_TAG, line);
    kind = tag;
    rec = into === undefined ? emptyRecord(kind) : resetForParse(into, kind);
    i = header(line, b + kind.length + 3, rec);
  }
  if (i < 0) return refuse(counters, BAD_HEADER, line);
  // an UPDATE or DESTROY of a held flow needs no tuples (most of a line's cost), an UPDATE no time
  var held = holds !== undefined && kind !== 'NEW' && ofHeld(line, i, rec, holds);
  if (held) clearTuples(rec);
  if (held && kind === 'UPDATE') return rec;
  if (close > 0) {
    var ts = +line.slice(1, close);
    if (!(ts >= 0)) return refuse(counters, BAD_TIMESTAMP, line);
    rec.ts = ts;
  }
  if (held) {
    if (!heldCounters(line, i, rec)) return refuse(counters, 'conntrack.bad_counters', line);
    return rec;
  }
  if (!tuples(line, i, rec)) return refuse(counters, failure, line);
  return rec;
}

/**
 * One line of `conntrack -L -o extended,id` or /proc/net/nf_conntrack, as a SNAPSHOT record.
 * The tool's summary line (stderr, but captured files may hold it) and blank lines are ignored.
 */
export function parseConntrackList(line: string, counters: Counters, into?: CtRecord): CtRecord | null {
  if (ignorable(line)) return ignore(counters);
  const rec = into === undefined ? emptyRecord('SNAPSHOT') : resetForParse(into, 'SNAPSHOT');
  const i = header(line, 0, rec);
  if (i < 0) return refuse(counters, BAD_HEADER, line);
  if (!tuples(line, i, rec)) return refuse(counters, failure, line);
  return rec;
}

/** A blank line, or the tool's summary line ("conntrack v1.4.7 (conntrack-tools): ..."). */
function ignorable(line: string): boolean {
  return blank(line, 0, line.length) || line.startsWith('conntrack v');
}

function ignore(counters: Counters): null {
  counters.inc('conntrack.ignored');
  return null;
}

function refuse(counters: Counters, reason: string, line: string): null {
  counters.drop(reason, 1, line);
  return null;
}

/** Only spaces and tabs in [from, to). */
function blank(line: string, from: number, to: number): boolean {
  for (let k = from; k < to; k++) {
    const c = line.charCodeAt(k);
    if (c !== 32 && c !== 9) return false;
  }
  return true;
}

function tuples(line: string, i: number, rec: CtRecord): boolean {
  var p = rec.protoNum;
  // hasPorts() written out
  var after = p === 6 || p === 17 || p === 132 || p === 33 || p === 136 ? tuplesFast(line, i, rec) : -2;
  if (after >= 0) {
    // an event's usual tails, "[[ASSURED] ][delta-time=N ]id=N", read without the token walk
    var id = line.startsWith('id=', after);
    if (!id) id = line.startsWith('id=', (after = tail(line, after, rec)));
    // the id last: `num` refuses "N more ..." (NaN), which the token walk then reads; ofHeld
    // read it already when it is the last token (an UPDATE's or DESTROY's: rec.id is set)
    var v = !id ? NaN : rec.id >= 0 && after === lastSp + 1 ? rec.id : num(line, after + 3, line.length);
    if (v === v) {
      rec.id = v;
      after = -1;
    }
    if (after >= 0) {
      rec.id = ABSENT; // (ofHeld's, which the walk reads again, if it is the conntrack id)
      if (!attributes(line, after, rec, 2)) return false;
    }
  } else {
    clearTuples(rec);
    rec.id = ABSENT;
    if (!attributes(line, i, rec, 0)) return false;
    // (ports: a garbled label the token walk passed over)
    if (rec.src === '' || rec.dst === '' || rec.rsrc === '' || rec.rdst === '' || (after === -1 && (rec.sport < 0 || rec.dport < 0 || rec.rsport < 0 || rec.rdport < 0))) {
      return fail('conntrack.missing_tuple');
    }
  }
  if (rec.family === 0) rec.family = rec.src.indexOf(':') >= 0 ? 6 : 4;
  return true;
}

/** "[ASSURED] " and "delta-time=N " at `at`, as the printers put them before the id: what follows. */
function tail(line: string, at: number, rec: CtRecord): number {
  if (line.startsWith('[ASSURED] ', at)) {
    rec.assured = true;
    at += 10;
  }
  if (line.startsWith('delta-time=', at)) {
    var e = line.indexOf(' ', at + 11);
    var v = e > 0 ? num(line, at + 11, e) : NaN;
    if (v === v) {
      rec.deltaTime = v;
      at = e + 1;
    }
  }
  return at;
}

/** The last space of the line whose id ofHeld last read (valid while rec.id is set). */
let lastSp = -1;

/**
 * An UPDATE or DESTROY whose conntrack id (the last token) the caller holds: read the flags
 * and mark only (a DESTROY's in heldCounters). False when the line has no trailing id or the
 * flow is not held.
 */
function ofHeld(line: string, i: number, rec: CtRecord, holds: (id: number) => boolean): boolean {
  var sp = line.lastIndexOf(' ');
  if (sp < i || !line.startsWith(' id=', sp)) return false;
  var id = num(line, sp + 4, line.length);
  if (!(id >= 0)) return false;
  // kept for tuples() when the flow is not held: the id it would read again at sp + 1
  rec.id = id;
  lastSp = sp;
  if (!holds(id)) return false;
  rec.partial = true;
  if (rec.kind !== 'DESTROY') heldFlags(line, i, sp, rec);
  return true;
}

/** Flags anywhere from i, and a mark before the id at sp. */
function heldFlags(line: string, i: number, sp: number, rec: CtRecord): void {
  for (var k = line.indexOf('[', i); k >= 0; k = line.indexOf('[', k + 1)) {
    var f = line.charCodeAt(k + 1);
    if (f === 85) rec.unreplied = true;
    else if (f === 65) rec.assured = true;
    else if (f === 79) rec.offload = true;
    else if (f === 72) {
      rec.hwOffload = true;
      rec.offload = true;
    }
  }
  // (a search of "mark=" from the start goes through a fast character loop: replace() gives back
  // the line itself when it is not there; the usual case, as in ~200 characters scanned back)
  var m = line.replace('mark=', '') === line ? -1 : line.lastIndexOf(' mark=', sp);
  if (m > i) {
    var e = line.indexOf(' ', m + 6);
    var v = num(line, m + 6, e < 0 ? line.length : e);
    if (v >= 0) rec.mark = v;
  }
}

/**
 * The accounting of a held flow's DESTROY: "packets=N bytes=M" after each tuple, found by
 * name. Both or neither (accounting off); false when one is garbled. Then its flags: in the
 * usual layout ([UNREPLIED] between the tuples, "[ASSURED] delta-time=N " up to the id) read
 * in place, else searched for along the line (two scans of ~200 characters, ~6k in qjs).
 */
function heldCounters(line: string, i: number, rec: CtRecord): boolean {
  var sp = lastSp; // ofHeld's
  var a = line.indexOf(' packets=', i);
  var end = -1;
  if (a >= 0) {
    var after = accounting(line, a + 1, rec, false);
    if (after < 0) return false;
    var b = line.indexOf(' packets=', after - 1);
    if (b < 0) {
      rec.origPkts = ABSENT;
      rec.origBytes = ABSENT;
    } else {
      end = accounting(line, b + 1, rec, true);
      if (end < 0) return false;
      if (line.startsWith('[UNREPLIED] ', after)) rec.unreplied = true;
      if (line.startsWith('[ASSURED] ', end)) {
        rec.assured = true;
        end += 10;
      }
      // a held flow's DESTROY has no use for its delta-time
      if (line.startsWith('delta-time=', end)) end = line.indexOf(' ', end) + 1;
    }
  }
  if (end !== sp + 1) heldFlags(line, i, sp, rec);
  return true;
}

/** The header "%-8s %u %-8s %u " of a common family and protocol, by its first HEAD_KEY characters. */
interface Head {
  kind_: CtKind;
  family_: number;
  proto_: number;
  name_: string;
  /** what follows the key (1-2 characters of the longer headers), checked with startsWith */
  rest_: string;
  /** An event head's last two "timeout STATE src=" (k_: '\n' for none yet), timeout and state. */
  st_: HeadState;
  st2_: HeadState;
}
interface HeadState {
  k_: string;
  t_: number;
  s_: string;
}
const HEAD_KEY = 22;
const NO_STATE: HeadState = { k_: '\n', t_: 0, s_: '' };
// null-prototype records, not Maps: a lookup by a sliced key is cheaper in qjs (atoms)
const HEADS = newDict<Head | undefined>();
/** The same after the event tag "\t%9s " (11 characters), by the 11 + HEAD_KEY characters after the time's ']'. */
const EVENT_HEADS = newDict<Head | undefined>();
for (const [name, proto] of [['tcp', 6], ['udp', 17], ['icmp', 1], ['icmpv6', 58]] as const) {
  for (const family of [4, 6]) {
    const text = `ipv${family}     ${family === 4 ? 2 : 10} ${name.padEnd(8)} ${proto} `;
    for (const kind of ['SNAPSHOT', 'NEW', 'UPDATE', 'DESTROY'] as const) {
      const event = kind !== 'SNAPSHOT';
      (event ? EVENT_HEADS : HEADS)[(event ? `\t${`[${kind}]`.padStart(9)} ` : '') + text.slice(0, HEAD_KEY)] = { kind_: kind, family_: family, proto_: proto, name_: name, rest_: text.slice(HEAD_KEY), st_: NO_STATE, st2_: NO_STATE };
    }
  }
}

/**
 * The header "[l3name l3num ]l4name l4num [timeout ][STATE ]" from i. Returns the index of
 * the first tuple field, or -1. The "%-8s %u " layout of ipv4/ipv6 with tcp, udp, icmp and
 * icmpv6 is one map lookup; anything else goes through the tolerant token walk.
 */
function header(line: string, i: number, rec: CtRecord): number {
  const head = HEADS[line.slice(i, i + HEAD_KEY)];
  if (head !== undefined && (head.rest_ === '' || line.startsWith(head.rest_, i + HEAD_KEY))) return seat(line, i + HEAD_KEY + head.rest_.length, rec, head);
  return headerTokens(line, i, rec);
}

function seat(line: string, i: number, rec: CtRecord, head: Head): number {
  rec.family = head.family_;
  rec.protoNum = head.proto_;
  rec.protoName = head.name_;
  // An event's "timeout STATE " is one of a few texts ("120 SYN_SENT ", "30 ", "CLOSE "), most
  // often one of its head's last two: a compare or two (a list line's timeout counts down: not kept).
  var st = head.st_;
  if (!line.startsWith(st.k_, i)) {
    st = head.st2_;
    if (!line.startsWith(st.k_, i)) {
      var at = stateAndTimeout(line, i, rec);
      if (at >= 0 && rec.kind !== 'SNAPSHOT' && line.startsWith('src=', at)) {
        head.st2_ = head.st_;
        head.st_ = { k_: line.slice(i, at + 4), t_: rec.timeout, s_: rec.state };
      }
      return at;
    }
  }
  rec.timeout = st.t_;
  rec.state = st.s_;
  return i + st.k_.length - 4;
}

/** Optional timeout and state after the protocol, up to the first tuple field. */
function stateAndTimeout(line: string, i: number, rec: CtRecord): number {
  var c = line.charCodeAt(i);
  if (c >= 48 && c <= 57) {
    var e = line.indexOf(' ', i);
    if (e < 0) return -1;
    var t = +line.slice(i, e);
    if (!(t >= 0)) return -1;
    rec.timeout = t;
    i = e + 1;
    c = line.charCodeAt(i);
  }
  if (c >= 65 && c <= 90) {
    var e = line.indexOf(' ', i);
    if (e < 0) return -1;
    rec.state = line.slice(i, e);
    i = e + 1;
    c = line.charCodeAt(i);
  }
  return c === 115 ? i : -1;
}

/** The same header, any spacing, with or without the family (`conntrack -L` without -o extended). */
function headerTokens(line: string, i: number, rec: CtRecord): number {
  const limit = line.indexOf('=', i);
  const start = line.lastIndexOf(' ', limit) + 1;
  if (limit < 0 || start <= i) return -1;
  const words = line.slice(i, start).split(' ').filter((w) => w !== '');
  // the family name and number first, if any: 'unknown' is 0, ipv4 4, ipv6 6
  const family = ['unknown', 'ipv4', 'ipv6'].indexOf(words[0]);
  let w = family < 0 ? 0 : 2;
  if (family >= 0) rec.family = family && family * 2 + 2;
  if (words.length < w + 2 || (w && !isDigits(words[1])) || !isDigits(words[w + 1])) return -1;
  const proto = +words[w + 1];
  if (proto > 255) return -1;
  rec.protoName = words[w];
  rec.protoNum = proto;
  w += 2;
  if (w < words.length && isDigits(words[w])) rec.timeout = +words[w++];
  if (w < words.length) {
    const c = words[w].charCodeAt(0);
    if (!(c >= 65 && c <= 90)) return -1;
    rec.state = words[w++];
  }
  return w === words.length ? start : -1;
}

function isDigits(s: string): boolean {
  return num(s, 0, s.length) >= 0;
}
