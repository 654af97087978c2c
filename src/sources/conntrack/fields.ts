// The tuples and attributes of a conntrack line, from the first `src=` on. Two readers:
// `tuplesFast` for the layout every printer uses (src dst sport dport [packets bytes]
// [UNREPLIED] src dst sport dport [packets bytes]) at its labels, and `attributes`, a
// tolerant token walk for everything else (icmp, gre, zones, flags, mark, ids, ...).
// Measured under qjs (callgrind): a String method call costs 430 (charCodeAt) to 800 (slice)
// instructions, a Map.get ~650, a string append ~480, a float `+text` ~2,200: the fast reader
// uses about 20 calls per line, so it tests several characters per call (a label, a whole
// expected reply) rather than one.

// The per-line functions declare their locals with var: qjs 2025-04 checks every read of a
// let/const local for its dead zone (~15 instructions a read; -1.7k on a NEW line).
import { compressPaddedIpv6, looksLikeAddress } from './address';
import type { CtRecord } from './record';
import { newDict } from '../../compat/lang';

const BAD_NUMBER = 'conntrack.bad_number';
const BAD_TOKEN = 'conntrack.bad_token';

/** Why a line was refused, for the caller to count. */
export let failure = '';

export function fail(reason: string): false {
  failure = reason;
  return false;
}

/** Unsigned decimal in [from, to); NaN unless it starts with a digit (`+` alone takes '', '-1', '0x1'). */
export function num(line: string, from: number, to: number): number {
  var c = line.charCodeAt(from);
  if (c < 48 || c > 57 || to - from > 20) return NaN;
  var v = +line.slice(from, to);
  return v % 1 === 0 ? v : NaN;
}

function hexKey(line: string, from: number, to: number): number {
  // srckey=0x1a2b: printed with %x after '0x'
  if (to - from < 3 || !line.startsWith('0x', from)) return NaN;
  const v = parseInt(line.slice(from + 2, to), 16);
  return v >= 0 && v <= 0xffffffff ? v : NaN;
}

// Addresses already checked: a busy router sees the same few thousand again and again. Two
// generations: a full map becomes the older one, whose addresses are kept when seen again
// (a plain clear at 1,024 missed 29 % of the bench's addresses, this 8 %; a check is ~8k in qjs).
// Null-prototype records, not Maps: qjs keeps their keys as atoms (the key string itself), ~70 B
// less an entry (-148 kB RSS on the issue-3 run), and a lookup is cheaper (-1.5k instr/line on the
// ct bench). No key is special in a record without a prototype ('__proto__' included).
type Checked = Record<string, boolean | undefined>;
let checked = newDict() as Checked;
let older = checked;
let checkedN = 0;
const CHECKED_MAX = 1024;

/** The address `s` in RFC 5952 form, or '' when it is not an address. */
export function address(s: string): string {
  var good = checked[s];
  if (good === undefined) {
    if (s.length === 39) {
      var c = compressPaddedIpv6(s);
      if (c !== null) return c;
    }
    good = older[s];
    if (good === undefined) good = looksLikeAddress(s);
    if (checkedN >= CHECKED_MAX) {
      older = checked;
      checked = newDict() as Checked;
      checkedN = 0;
    }
    checked[s] = good;
    checkedN++;
  }
  return good ? s : '';
}

// The last reply's source NAT address (a router has one or two), tried before a search.
let nat = '';

/**
 * Both tuples of a tcp/udp/sctp/dccp/udplite entry in the usual layout, from `i` (at the first
 * src=). Returns the index of what follows the reply tuple (and its counters), or -1 when the
 * layout differs; the caller then walks the tokens with `attributes` from `i` instead.
 */
export function tuplesFast(line: string, i: number, rec: CtRecord): number {
  // original: src=A dst=B sport=P dport=Q. Each field ends at the next one's label, found with
  // its " label=" in one indexOf (a call is ~500-700 instructions in qjs, a character test ~430);
  // address() refuses a value with a space in it, `+` one with a space inside.
  if (line.charCodeAt(i + 3) !== 61) return -1;
  var e = line.indexOf(' dst=', i + 4);
  if (e < 0) return -1;
  // address() inline when the text is a known good one (a call is ~400 instructions)
  var text = line.slice(i + 4, e);
  var src = checked[text] === true ? text : address(text);
  var e2 = line.indexOf(' sport=', e + 5);
  if (e2 < 0) return -1;
  text = line.slice(e + 5, e2);
  var dst = checked[text] === true ? text : address(text);
  if (src === '' || dst === '') return -1;
  e = line.indexOf(' dport=', e2 + 7);
  if (e < 0) return -1;
  var sportText = line.slice(e2 + 7, e);
  var sport = +sportText;
  e2 = line.indexOf(' ', e + 7);
  if (e2 < 0) return -1;
  var dportText = line.slice(e + 7, e2);
  var dport = +dportText;
  if (!(sport >= 0 && sport <= 65535 && dport >= 0 && dport <= 65535) || e2 - e < 8) return -1;
  i = e2 + 1;
  var c = line.charCodeAt(i);
  if (c === 112) {
    i = counters(line, i, rec, false);
    if (i < 0) return -1;
    c = line.charCodeAt(i);
  }
  if (c === 91) {
    if (!line.startsWith('[UNREPLIED] ', i)) return -1;
    rec.unreplied = true;
    i += 12;
  }
  // reply: src=C dst=D sport=R dport=S. It mostly mirrors the original (C=B, R=Q, S=P) with D
  // the original source or the source-NAT address: that whole text is compared in one call.
  var n = line.length;
  var mirror = ' sport=' + dportText + ' dport=' + sportText;
  var rdst = rec.family === 4 && nat !== '' ? nat : src;
  var reply = 'src=' + dst + ' dst=' + rdst + mirror;
  e2 = i + reply.length;
  var rsrc = dst;
  var rsport = dport;
  var rdport = sport;
  if (line.startsWith(reply, i) && (e2 === n || line.charCodeAt(e2) === 32)) {
    e = e2 - sportText.length - 7;
  } else {
    // field by field (a translated port, another NAT address: ~9 % of the bench's lines)
    if (!line.startsWith('src=', i)) return -1;
    e = line.indexOf(' dst=', i + 4);
    e2 = line.indexOf(' sport=', e + 5);
    if (e < 0 || e2 < 0) return -1;
    rsrc = address(line.slice(i + 4, e));
    rdst = address(line.slice(e + 5, e2));
    if (rsrc === '' || rdst === '') return -1;
    if (rdst !== src) nat = rdst;
    e = line.indexOf(' dport=', e2 + 7);
    if (e < 0) return -1;
    rsport = +line.slice(e2 + 7, e);
    e2 = line.indexOf(' ', e + 7);
    if (e2 < 0) e2 = n;
    rdport = +line.slice(e + 7, e2);
  }
  if (!(rsport >= 0 && rsport <= 65535 && rdport >= 0 && rdport <= 65535) || e2 - e < 8) return -1;
  rec.src = src;
  rec.dst = dst;
  rec.sport = sport;
  rec.dport = dport;
  rec.rsrc = rsrc;
  rec.rdst = rdst;
  rec.rsport = rsport;
  rec.rdport = rdport;
  i = e2 + 1;
  if (line.charCodeAt(i) === 112) i = counters(line, i, rec, true);
  return i;
}

/** "packets=N bytes=M " at i; the index after it, or -1. */
export function counters(line: string, i: number, rec: CtRecord, reply: boolean): number {
  if (line.charCodeAt(i + 7) !== 61) return -1;
  var e = line.indexOf(' ', i + 8);
  if (e < 0 || line.charCodeAt(e + 6) !== 61) return -1;
  var e2 = line.indexOf(' ', e + 7);
  if (e2 < 0) e2 = line.length;
  // num() twice, written out (a call costs qjs ~400 instructions; DESTROYs carry two of these)
  var c = line.charCodeAt(i + 8);
  var pkts = c >= 48 && c <= 57 && e - i <= 28 ? +line.slice(i + 8, e) : NaN;
  c = line.charCodeAt(e + 7);
  var bytes = c >= 48 && c <= 57 && e2 - e <= 27 ? +line.slice(e + 7, e2) : NaN;
  if (!(pkts % 1 === 0 && bytes % 1 === 0)) return -1;
  if (reply) {
    rec.replyPkts = pkts;
    rec.replyBytes = bytes;
  } else {
    rec.origPkts = pkts;
    rec.origBytes = bytes;
  }
  return e2 + 1;
}

/**
 * Tokens from i to the end: tuple fields, flags and attributes, in any order the printers use.
 * `srcs` is how many src= came before i (2 after tuplesFast). False with `failure` set on garbage.
 */
export function attributes(line: string, i: number, rec: CtRecord, srcs: number): boolean {
  var n = line.length;
  var icmpIdNext = false;
  var v = 0;
  while (i < n) {
    var c = line.charCodeAt(i);
    if (c === 32) {
      i++;
      continue;
    }
    var e = line.indexOf(' ', i);
    if (e < 0) e = n;
    if (c === 91) {
      var len = e - i;
      var f = line.charCodeAt(i + 1);
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
    var eq = line.indexOf('=', i);
    if (eq < 0 || eq >= e) return fail(BAD_TOKEN);
    var a = eq + 1;
    // a number read below that is NaN refuses the line after the switch (what it was stored
    // into no longer matters then)
    v = 0;
    switch (eq - i) {
      case 3:
        if (c === 115 || c === 100) {
          // src=, dst= (use=: a kernel reference count)
          var s = address(line.slice(a, e));
          if (s === '') return fail('conntrack.bad_address');
          if (c === 115) srcs++;
          if (srcs === 1) {
            if (c === 115) rec.src = s;
            else rec.dst = s;
          } else if (srcs === 2) {
            if (c === 115) rec.rsrc = s;
            else rec.rdst = s;
          } else return fail(BAD_TOKEN);
        }
        break;
      case 5:
        v = num(line, a, e);
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
          if (icmpIdNext) {
            if (srcs === 1) rec.icmpId = v;
            icmpIdNext = false;
          } else rec.id = v;
        }
        break;
      case 7:
        if (c === 112) {
          v = num(line, a, e);
          if (srcs === 2) rec.replyPkts = v;
          else rec.origPkts = v;
        } // secmark=
        break;
      case 4:
        v = num(line, a, e);
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
        // srckey=, dstkey= (gre); secctx=, helper=, labels=, portid= carry nothing we use
        var k = line.charCodeAt(i + 1);
        if ((c === 115 && k === 114) || (c === 100 && k === 115)) {
          v = hexKey(line, a, e);
          if (c === 115) {
            if (srcs === 2) rec.rsport = v;
            else rec.sport = v;
          } else if (srcs === 2) rec.rdport = v;
          else rec.dport = v;
        }
        break;
      case 10:
        if (c === 100) {
          v = num(line, a, e);
          rec.deltaTime = v;
        } // zone-reply= (the entry's zone= is what keys a flow)
        break;
      default:
        break; // zone-orig=, progname=, future attributes
    }
    if (v !== v) return fail(BAD_NUMBER);
    i = e + 1;
  }
  return true;
}
