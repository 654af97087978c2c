// Parsers for conntrack's text, without regular expressions (one regex per line costs qjs
// ~29k instructions). In qjs every method call costs ~150-600 instructions and a per-character
// loop ~250 per character, so the line is cut with indexOf and numbers are read with
// `+line.slice()`; no character-by-character scans on the common path.
//
// Formats (libnetfilter_conntrack __snprintf_conntrack_default, conntrack-tools event_cb,
// kernel nf_conntrack_standalone.c ct_seq_show):
//   event:  [sec.usec]\t    [NEW] ipv4     2 tcp      6 120 SYN_SENT src=.. dst=.. sport=.. dport=..
//           [UNREPLIED] src=.. dst=.. sport=.. dport=.. id=N
//   list:   ipv4     2 tcp      6 431999 ESTABLISHED src=.. dst=.. sport=.. dport=.. packets=..
//           bytes=.. src=.. .. [ASSURED] mark=0 delta-time=5 use=1 id=N
//   /proc:  the list layout without id, IPv6 as 8 zero-padded groups, no timeout when
//           offloaded, `[HW_OFFLOAD]`/`[OFFLOAD]` in place of `[ASSURED]`, zone=N always.
// Both printers pad the family and protocol names as "%-8s %u ". Tuples: sport/dport (tcp, udp,
// sctp, dccp, udplite), type/code/id (icmp, icmpv6), srckey/dstkey (gre), nothing (others).
// Optional: zone-orig=, zone-reply=, packets=, bytes=, mark=, secmark=, secctx=, zone=,
// delta-time=, helper=, use=, id=, labels=, and newer tools' [USERSPACE] portid= progname=.

import type { Counters } from '../../counters';
import { compressPaddedIpv6, looksLikeAddress } from './address';
import { ABSENT, emptyRecord, resetRecord, type CtKind, type CtRecord } from './record';

/** Why a line was refused; the reason is counted as a drop under this name. */
let failure = '';

/**
 * One line of `conntrack -E -o timestamp,extended,id` (the timestamp prefix and the extended
 * family are optional). Returns null for the tool's summary line and blank lines (counted
 * `conntrack.ignored`) and for garbage (counted as a drop by reason, with a sample).
 * `into`: a record to fill instead of a new one, for callers that do not keep it.
 */
export function parseConntrackEvent(line: string, counters: Counters, into?: CtRecord): CtRecord | null {
  let i = 0;
  let ts = ABSENT;
  const c1 = line.charCodeAt(1);
  if (line.charCodeAt(0) === 91 && c1 >= 48 && c1 <= 57) {
    const close = line.indexOf(']', 2);
    ts = close < 0 ? NaN : +line.slice(1, close);
    if (!(ts >= 0)) return refuse(counters, 'conntrack.bad_timestamp', line);
    i = close + 1;
  }
  const b = line.indexOf('[', i);
  if (b < 0 || !blank(line, i, b)) {
    if (blank(line, i, line.length)) return ignore(counters);
    if (line.startsWith('conntrack v', i)) return ignore(counters);
    return refuse(counters, 'conntrack.no_event_tag', line);
  }
  const t = line.charCodeAt(b + 1);
  let kind: CtKind;
  let after: number;
  if (t === 78 && line.charCodeAt(b + 4) === 93) {
    kind = 'NEW';
    after = b + 6;
  } else if (t === 85 && line.charCodeAt(b + 7) === 93) {
    kind = 'UPDATE';
    after = b + 9;
  } else if (t === 68 && line.charCodeAt(b + 8) === 93) {
    kind = 'DESTROY';
    after = b + 10;
  } else {
    return refuse(counters, 'conntrack.no_event_tag', line);
  }
  const rec = into === undefined ? emptyRecord(kind) : resetRecord(into, kind);
  rec.ts = ts;
  if (!parseBody(line, after, rec)) return refuse(counters, failure, line);
  return rec;
}

/**
 * One line of `conntrack -L -o extended,id` or /proc/net/nf_conntrack, as a SNAPSHOT record.
 * The tool's summary line (stderr, but captured files may hold it) and blank lines are ignored.
 */
export function parseConntrackList(line: string, counters: Counters, into?: CtRecord): CtRecord | null {
  if (blank(line, 0, line.length)) return ignore(counters);
  if (line.startsWith('conntrack v')) return ignore(counters);
  const rec = into === undefined ? emptyRecord('SNAPSHOT') : resetRecord(into, 'SNAPSHOT');
  if (!parseBody(line, 0, rec)) return refuse(counters, failure, line);
  return rec;
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

/** Unsigned decimal in [from, to); NaN unless it starts with a digit (`+` alone takes ' 1', '-1', ''). */
function num(line: string, from: number, to: number): number {
  const c = line.charCodeAt(from);
  if (c < 48 || c > 57 || to - from > 20) return NaN;
  const v = +line.slice(from, to);
  return v % 1 === 0 ? v : NaN;
}

function hexKey(line: string, from: number, to: number): number {
  // srckey=0x1a2b: printed with %x after '0x'
  if (to - from < 3 || line.charCodeAt(from) !== 48 || line.charCodeAt(from + 1) !== 120) return NaN;
  const v = parseInt(line.slice(from + 2, to), 16);
  return v >= 0 && v <= 0xffffffff ? v : NaN;
}

// Addresses already checked: a busy router sees the same few hundred again and again.
const checked = new Map<string, boolean>();
const CHECKED_MAX = 4096;

/** The address in [from, to) in RFC 5952 form, or '' when it is not an address. */
function address(line: string, from: number, to: number): string {
  const s = line.slice(from, to);
  const known = checked.get(s);
  if (known !== undefined) return known ? s : '';
  if (to - from === 39) {
    const c = compressPaddedIpv6(s);
    if (c !== null) return c;
  }
  const good = looksLikeAddress(s);
  if (checked.size >= CHECKED_MAX) checked.clear();
  checked.set(s, good);
  return good ? s : '';
}

const PROTO_NAMES: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'icmpv6', 132: 'sctp', 47: 'gre', 33: 'dccp', 136: 'udplite' };

/**
 * Fills `rec` from the family/protocol header onwards. Returns false with `failure` set to the
 * counter name when the line is not a conntrack entry.
 */
function parseBody(line: string, i: number, rec: CtRecord): boolean {
  i = header(line, i, rec);
  if (i < 0) return fail('conntrack.bad_header');
  const n = line.length;
  // Tuples and attributes: fields before the second src= belong to the original tuple.
  let srcs = 0;
  let icmpIdNext = false;
  let v = 0;
  while (i < n) {
    const c = line.charCodeAt(i);
    if (c === 32) {
      i++;
      continue;
    }
    if (c === 91) {
      let e = line.indexOf(' ', i);
      if (e < 0) e = n;
      const len = e - i;
      const f = line.charCodeAt(i + 1);
      if (len === 11 && f === 85 && line.charCodeAt(i + 2) === 78) rec.unreplied = true; // [UNREPLIED]
      else if (len === 9 && f === 65) rec.assured = true; // [ASSURED]
      else if (len === 9 && f === 79) rec.offload = true; // [OFFLOAD]
      else if (len === 12 && f === 72) {
        rec.hwOffload = true; // [HW_OFFLOAD]
        rec.offload = true;
      } // others ([USERSPACE]) carry nothing we use
      i = e + 1;
      continue;
    }
    const eq = line.indexOf('=', i);
    let e = line.indexOf(' ', i);
    if (e < 0) e = n;
    if (eq < 0 || eq >= e) return fail('conntrack.bad_token');
    const a = eq + 1;
    switch (eq - i) {
      case 3:
        if (c === 115) {
          // src=
          const s = address(line, a, e);
          if (s === '') return fail('conntrack.bad_address');
          if (++srcs === 1) rec.src = s;
          else if (srcs === 2) rec.rsrc = s;
          else return fail('conntrack.bad_token');
        } else if (c === 100) {
          const s = address(line, a, e);
          if (s === '') return fail('conntrack.bad_address');
          if (srcs === 1) rec.dst = s;
          else if (srcs === 2) rec.rdst = s;
          else return fail('conntrack.bad_token');
        } // use=: a kernel reference count
        break;
      case 5:
        v = num(line, a, e);
        if (v !== v) return fail('conntrack.bad_number');
        if (c === 115) {
          if (srcs === 2) rec.rsport = v;
          else rec.sport = v;
        } else if (c === 100) {
          if (srcs === 2) rec.rdport = v;
          else rec.dport = v;
        } else if (c === 98) {
          if (srcs === 2) rec.replyBytes = v;
          else rec.origBytes = v;
        }
        break;
      case 2:
        if (c === 105) {
          // id= closes an icmp tuple (type= code= id=); otherwise it is the conntrack id
          v = num(line, a, e);
          if (v !== v) return fail('conntrack.bad_number');
          if (icmpIdNext) {
            if (srcs === 1) rec.icmpId = v;
            icmpIdNext = false;
          } else rec.id = v;
        }
        break;
      case 7:
        if (c === 112) {
          v = num(line, a, e);
          if (v !== v) return fail('conntrack.bad_number');
          if (srcs === 2) rec.replyPkts = v;
          else rec.origPkts = v;
        } // secmark=
        break;
      case 4:
        v = num(line, a, e);
        if (v !== v) return fail('conntrack.bad_number');
        if (c === 109) rec.mark = v;
        else if (c === 122) rec.zone = v;
        else if (c === 116) {
          if (srcs === 1) rec.icmpType = v;
        } else if (c === 99) {
          if (srcs === 1) rec.icmpCode = v;
          icmpIdNext = true;
        }
        break;
      case 6:
        if (c === 115 && line.charCodeAt(i + 1) === 114) {
          v = hexKey(line, a, e);
          if (v !== v) return fail('conntrack.bad_number');
          if (srcs === 2) rec.rsport = v;
          else rec.sport = v;
        } else if (c === 100 && line.charCodeAt(i + 1) === 115) {
          v = hexKey(line, a, e);
          if (v !== v) return fail('conntrack.bad_number');
          if (srcs === 2) rec.rdport = v;
          else rec.dport = v;
        } // secctx=, helper=, labels=, portid=
        break;
      case 10:
        if (c === 100) {
          v = num(line, a, e);
          if (v !== v) return fail('conntrack.bad_number');
          rec.deltaTime = v;
        } // zone-reply= (the entry's zone= is what keys a flow)
        break;
      default:
        break; // zone-orig=, progname=, future attributes
    }
    i = e + 1;
  }
  if (rec.src === '' || rec.dst === '' || rec.rsrc === '' || rec.rdst === '') return fail('conntrack.missing_tuple');
  if (rec.family === 0) rec.family = rec.src.indexOf(':') >= 0 ? 6 : 4;
  return true;
}

/**
 * The header "[l3name l3num ]l4name l4num [timeout ][STATE ]" from i. Returns the index of
 * the first tuple field, or -1. The fixed-width "%-8s %u " layout is read without scanning;
 * anything else goes through the tolerant token walk.
 */
function header(line: string, i: number, rec: CtRecord): number {
  while (line.charCodeAt(i) === 32) i++;
  const f = line.charCodeAt(i + 3);
  if (line.charCodeAt(i) === 105 && line.charCodeAt(i + 8) === 32 && (f === 52 || f === 54)) {
    // "ipv4     2 " / "ipv6     10 "
    const l3end = line.indexOf(' ', i + 9);
    const p = l3end + 1;
    const d = line.charCodeAt(i + 9);
    if (l3end > i + 9 && d >= 48 && d <= 57 && line.charCodeAt(p + 8) === 32 && line.charCodeAt(p) !== 32) {
      const pend = line.indexOf(' ', p + 9);
      const proto = pend < 0 ? NaN : num(line, p + 9, pend);
      if (proto === proto && proto <= 255) {
        rec.family = f === 52 ? 4 : 6;
        rec.protoNum = proto;
        rec.protoName = PROTO_NAMES[proto] ?? line.slice(p, p + 8).trim();
        return stateAndTimeout(line, pend + 1, rec);
      }
    }
  }
  return headerTokens(line, i, rec);
}

/** Optional timeout and state after the protocol, up to the first tuple field. */
function stateAndTimeout(line: string, i: number, rec: CtRecord): number {
  for (let k = 0; k < 2; k++) {
    const c = line.charCodeAt(i);
    if (c === 115 && line.charCodeAt(i + 3) === 61) return i; // src=
    const e = line.indexOf(' ', i);
    if (e < 0) return -1;
    if (c >= 48 && c <= 57 && k === 0) {
      const t = num(line, i, e);
      if (t !== t) return -1;
      rec.timeout = t;
    } else if (c >= 65 && c <= 90 && rec.state === '') {
      rec.state = line.slice(i, e);
    } else {
      return -1;
    }
    i = e + 1;
  }
  return line.charCodeAt(i) === 115 ? i : -1;
}

/** The same header, any spacing, with or without the family (`conntrack -L` without -o extended). */
function headerTokens(line: string, i: number, rec: CtRecord): number {
  const limit = line.indexOf('=', i);
  if (limit < 0) return -1;
  const words: string[] = line.slice(i, line.lastIndexOf(' ', limit) + 1).split(' ').filter((w) => w !== '');
  let w = 0;
  if (words[0] === 'ipv4' || words[0] === 'ipv6' || words[0] === 'unknown') {
    rec.family = words[0] === 'ipv4' ? 4 : words[0] === 'ipv6' ? 6 : 0;
    if (!(words.length > 1 && num(words[1], 0, words[1].length) >= 0)) return -1;
    w = 2;
  }
  if (words.length < w + 2) return -1;
  const proto = num(words[w + 1], 0, words[w + 1].length);
  if (!(proto <= 255)) return -1;
  rec.protoName = words[w];
  rec.protoNum = proto;
  w += 2;
  if (w < words.length && isDigits(words[w])) rec.timeout = +words[w++];
  if (w < words.length) {
    const c = words[w].charCodeAt(0);
    if (!(c >= 65 && c <= 90)) return -1;
    rec.state = words[w++];
  }
  if (w !== words.length) return -1;
  return line.lastIndexOf(' ', limit) + 1;
}

function isDigits(s: string): boolean {
  return num(s, 0, s.length) >= 0;
}

function fail(reason: string): false {
  failure = reason;
  return false;
}
