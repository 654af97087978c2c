// Parsers for conntrack's text, without regular expressions (one regex per line costs qjs
// ~29k instructions): the line is walked token by token with indexOf.
//
// Formats (libnetfilter_conntrack __snprintf_conntrack_default, conntrack-tools event_cb,
// kernel nf_conntrack_standalone.c ct_seq_show):
//   event:  [sec.usec]\t    [NEW] ipv4     2 tcp      6 120 SYN_SENT src=.. dst=.. sport=.. dport=..
//           [UNREPLIED] src=.. dst=.. sport=.. dport=.. id=N
//   list:   ipv4     2 tcp      6 431999 ESTABLISHED src=.. dst=.. sport=.. dport=.. packets=..
//           bytes=.. src=.. .. [ASSURED] mark=0 delta-time=5 use=1 id=N
//   /proc:  the list layout without id, IPv6 as 8 zero-padded groups, no timeout when
//           offloaded, `[HW_OFFLOAD]`/`[OFFLOAD]` in place of `[ASSURED]`, zone=N always.
// Tuples: sport/dport (tcp, udp, sctp, dccp, udplite), type/code/id (icmp, icmpv6),
// srckey/dstkey (gre), nothing (other protocols). Optional: zone-orig=, zone-reply=, packets=,
// bytes=, mark=, secmark=, secctx=, zone=, delta-time=, helper=, use=, id=, labels=.

import type { Counters } from '../../counters';
import { compressPaddedIpv6, looksLikeAddress } from './address';
import { ABSENT, emptyRecord, type CtKind, type CtRecord } from './record';

/** Why a line was refused; the reason is counted as `conntrack.<reason>`. */
let failure = '';

/**
 * One line of `conntrack -E -o timestamp,extended,id` (the timestamp prefix and the extended
 * family are optional). Returns null for the tool's summary line and blank lines (counted
 * `conntrack.ignored`) and for garbage (counted as a drop by reason, with a sample).
 */
export function parseConntrackEvent(line: string, counters: Counters): CtRecord | null {
  const n = line.length;
  let i = 0;
  let ts = ABSENT;
  if (n > 1 && line.charCodeAt(0) === 91 && isDigit(line.charCodeAt(1))) {
    const close = line.indexOf(']', 2);
    ts = close < 0 ? NaN : parseTimestamp(line, 1, close);
    if (ts !== ts) return refuse(counters, 'conntrack.bad_timestamp', line);
    i = close + 1;
  }
  let c = 0;
  while (i < n && ((c = line.charCodeAt(i)) === 32 || c === 9)) i++;
  if (i >= n) return ignore(counters);
  let kind: CtKind;
  let after: number;
  if (c !== 91) {
    if (line.startsWith('conntrack v', i)) return ignore(counters);
    return refuse(counters, 'conntrack.no_event_tag', line);
  }
  const t = line.charCodeAt(i + 1);
  if (t === 78 && line.startsWith('[NEW] ', i)) {
    kind = 'NEW';
    after = i + 6;
  } else if (t === 85 && line.startsWith('[UPDATE] ', i)) {
    kind = 'UPDATE';
    after = i + 9;
  } else if (t === 68 && line.startsWith('[DESTROY] ', i)) {
    kind = 'DESTROY';
    after = i + 10;
  } else {
    return refuse(counters, 'conntrack.no_event_tag', line);
  }
  const rec = emptyRecord(kind);
  rec.ts = ts;
  if (!parseBody(line, after, rec)) return refuse(counters, failure, line);
  return rec;
}

/**
 * One line of `conntrack -L -o extended,id` or /proc/net/nf_conntrack, as a SNAPSHOT record.
 * The tool's summary line (stderr, but captured files may hold it) and blank lines are ignored.
 */
export function parseConntrackList(line: string, counters: Counters): CtRecord | null {
  let i = 0;
  const n = line.length;
  let c = 0;
  while (i < n && ((c = line.charCodeAt(i)) === 32 || c === 9)) i++;
  if (i >= n) return ignore(counters);
  if (c === 99 && line.startsWith('conntrack v', i)) return ignore(counters);
  const rec = emptyRecord('SNAPSHOT');
  if (!parseBody(line, i, rec)) return refuse(counters, failure, line);
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

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** `sec.usec` between [from, to) as epoch seconds, exactly as the decimal reads; NaN if bad. */
function parseTimestamp(line: string, from: number, to: number): number {
  const dot = line.indexOf('.', from);
  if (dot < 0 || dot > to) return digitsValue(line, from, to);
  const sec = digitsValue(line, from, dot);
  const frac = digitsValue(line, dot + 1, to);
  const places = to - dot - 1;
  if (places === 6) return (sec * 1e6 + frac) / 1e6;
  return Number(line.slice(from, to));
}

/** Unsigned decimal in [from, to); NaN when empty, too long or not all digits. */
function digitsValue(line: string, from: number, to: number): number {
  const len = to - from;
  if (len <= 0 || len > 20) return NaN;
  if (len > 6) {
    const v = +line.slice(from, to);
    // `+` accepts '0x1f', ' 12', '1e5': only plain digits may pass.
    if (v !== v || !isDigit(line.charCodeAt(from)) || !isDigit(line.charCodeAt(to - 1))) return NaN;
    return v;
  }
  let v = 0;
  for (let k = from; k < to; k++) {
    const d = line.charCodeAt(k) - 48;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
  }
  return v;
}

function hexKey(line: string, from: number, to: number): number {
  // srckey=0x1a2b: printed with %x after '0x'
  if (to - from < 3 || line.charCodeAt(from) !== 48 || line.charCodeAt(from + 1) !== 120) return NaN;
  const v = parseInt(line.slice(from + 2, to), 16);
  return v >= 0 && v <= 0xffffffff ? v : NaN;
}

function address(line: string, from: number, to: number): string {
  const s = line.slice(from, to);
  if (to - from === 39) {
    const c = compressPaddedIpv6(s);
    if (c !== null) return c;
  }
  return looksLikeAddress(s) ? s : '';
}

/**
 * Fills `rec` from the family/protocol header onwards. Returns false with `failure` set to the
 * counter name when the line is not a conntrack entry.
 */
function parseBody(line: string, i: number, rec: CtRecord): boolean {
  const n = line.length;
  let c = 0;
  // Header: [l3name l3num] l4name l4num [timeout] [STATE], space padded (%-8s). It ends at
  // the first token holding '=' (src=).
  const firstEq = line.indexOf('=', i);
  if (firstEq < 0) return fail('conntrack.bad_header');
  i = nextToken(line, i, firstEq);
  if (i < 0) return fail('conntrack.bad_header');
  if (tokEnd - tokStart === 4 && line.startsWith('ipv', tokStart)) {
    const f = line.charCodeAt(tokStart + 3);
    rec.family = f === 52 ? 4 : f === 54 ? 6 : 0;
  }
  if (rec.family !== 0 || (tokEnd - tokStart === 7 && line.startsWith('unknown', tokStart))) {
    i = nextToken(line, i, firstEq); // l3 number
    if (i < 0 || digitsValue(line, tokStart, tokEnd) !== digitsValue(line, tokStart, tokEnd)) return fail('conntrack.bad_header');
    i = nextToken(line, i, firstEq);
    if (i < 0) return fail('conntrack.bad_header');
  }
  rec.protoName = line.slice(tokStart, tokEnd);
  i = nextToken(line, i, firstEq);
  const p = i < 0 ? NaN : digitsValue(line, tokStart, tokEnd);
  if (p !== p || p > 255) return fail('conntrack.bad_header');
  rec.protoNum = p;
  while ((i = nextToken(line, i, firstEq)) >= 0) {
    c = line.charCodeAt(tokStart);
    if (isDigit(c) && rec.timeout < 0 && rec.state === '') {
      const t = digitsValue(line, tokStart, tokEnd);
      if (t !== t) return fail('conntrack.bad_header');
      rec.timeout = t;
    } else if (c >= 65 && c <= 90 && rec.state === '') {
      rec.state = line.slice(tokStart, tokEnd);
    } else {
      return fail('conntrack.bad_header');
    }
  }
  i = tokStart;

  // Tuples and attributes: fields before the second src= belong to the original tuple.
  let srcs = 0;
  let icmpIdNext = false;
  while (i < n) {
    let sp = line.indexOf(' ', i);
    if (sp < 0) sp = n;
    if (sp === i) {
      i++;
      continue;
    }
    c = line.charCodeAt(i);
    if (c === 91) {
      const len = sp - i;
      const f = line.charCodeAt(i + 1);
      if (len === 11 && f === 85 && line.charCodeAt(i + 2) === 78) rec.unreplied = true; // [UNREPLIED]
      else if (len === 9 && f === 65) rec.assured = true; // [ASSURED]
      else if (len === 9 && f === 79) rec.offload = true; // [OFFLOAD]
      else if (len === 12 && f === 72) {
        rec.hwOffload = true; // [HW_OFFLOAD]
        rec.offload = true;
      }
      // others ([USERSPACE] from newer conntrack-tools) carry nothing we use
      i = sp + 1;
      continue;
    }
    const eq = line.indexOf('=', i);
    if (eq < 0 || eq >= sp) return fail('conntrack.bad_token');
    const v = eq + 1;
    const kl = eq - i;
    let num = 0;
    switch (kl) {
      case 3:
        if (c === 115) {
          // src
          srcs++;
          if (srcs === 1) rec.src = address(line, v, sp);
          else if (srcs === 2) rec.rsrc = address(line, v, sp);
          else return fail('conntrack.bad_token');
          if ((srcs === 1 ? rec.src : rec.rsrc) === '') return fail('conntrack.bad_address');
        } else if (c === 100) {
          const a = address(line, v, sp);
          if (a === '') return fail('conntrack.bad_address');
          if (srcs === 1) rec.dst = a;
          else if (srcs === 2) rec.rdst = a;
          else return fail('conntrack.bad_token');
        }
        // use=: reference count, meaningless outside the kernel
        break;
      case 5: {
        num = digitsValue(line, v, sp);
        if (num !== num) return fail('conntrack.bad_number');
        if (c === 115) {
          if (srcs === 2) rec.rsport = num;
          else rec.sport = num;
        } else if (c === 100) {
          if (srcs === 2) rec.rdport = num;
          else rec.dport = num;
        } else if (c === 98) {
          if (srcs === 2) rec.replyBytes = num;
          else rec.origBytes = num;
        }
        break;
      }
      case 7:
        if (c === 112) {
          num = digitsValue(line, v, sp);
          if (num !== num) return fail('conntrack.bad_number');
          if (srcs === 2) rec.replyPkts = num;
          else rec.origPkts = num;
        } // secmark= ignored
        break;
      case 2:
        if (c === 105) {
          // id= closes an icmp tuple (type= code= id=); otherwise it is the conntrack id
          num = digitsValue(line, v, sp);
          if (num !== num) return fail('conntrack.bad_number');
          if (icmpIdNext) {
            if (srcs === 1) rec.icmpId = num;
            icmpIdNext = false;
          } else rec.id = num;
        }
        break;
      case 4:
        num = digitsValue(line, v, sp);
        if (num !== num) {
          return fail('conntrack.bad_number');
        } else if (c === 109) rec.mark = num;
        else if (c === 122) rec.zone = num;
        else if (c === 116) {
          if (srcs === 1) rec.icmpType = num;
        } else if (c === 99) {
          if (srcs === 1) rec.icmpCode = num;
          icmpIdNext = true;
        }
        break;
      case 6:
        if (c === 115 && line.charCodeAt(i + 1) === 114) {
          num = hexKey(line, v, sp);
          if (num !== num) return fail('conntrack.bad_number');
          if (srcs === 2) rec.rsport = num;
          else rec.sport = num;
        } else if (c === 100 && line.charCodeAt(i + 1) === 115) {
          num = hexKey(line, v, sp);
          if (num !== num) return fail('conntrack.bad_number');
          if (srcs === 2) rec.rdport = num;
          else rec.dport = num;
        } // secctx=, helper=, labels=, portid= ignored
        break;
      case 10:
        if (c === 100) {
          num = digitsValue(line, v, sp);
          if (num !== num) return fail('conntrack.bad_number');
          rec.deltaTime = num;
        } // zone-reply= ignored (the entry's zone= is what keys a flow)
        break;
      default:
        break; // zone-orig=, progname=, future attributes
    }
    i = sp + 1;
  }
  if (rec.src === '' || rec.dst === '' || rec.rsrc === '' || rec.rdst === '') return fail('conntrack.missing_tuple');
  if (rec.family === 0) rec.family = rec.src.indexOf(':') >= 0 ? 6 : 4;
  return true;
}

let tokStart = 0;
let tokEnd = 0;

/**
 * Next space-delimited header token at or after `i`: sets tokStart/tokEnd and returns the
 * index after it, or -1 at the end of the line or when the token holds `limit` (the first
 * '=', where the tuples begin; tokStart then points at that token).
 */
function nextToken(line: string, i: number, limit: number): number {
  const n = line.length;
  while (i < n && line.charCodeAt(i) === 32) i++;
  if (i >= n) return -1;
  let sp = line.indexOf(' ', i);
  if (sp < 0) sp = n;
  tokStart = i;
  if (sp > limit) return -1;
  tokEnd = sp;
  return sp;
}

function fail(reason: string): false {
  failure = reason;
  return false;
}
