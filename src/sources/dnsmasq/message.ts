// Reads one dnsmasq query-log message (the text after `dnsmasq[pid]: `) into a DnsLogRecord.
//
// Facts from dnsmasq's source (src/cache.c log_query() and its callers in forward.c,
// rfc1035.c, dnssec.c, auth.c; read for the formats, no code copied):
//   classic:  `SOURCE NAME VERB DEST[EXTRA]`
//   extra:    `[TCP |UDP ]SERIAL [CLIENT/PORT ]SOURCE NAME VERB DEST[EXTRA]`
//             (the proto prefix only with --log-queries=proto; no CLIENT/PORT on the
//             resolver's own DNSSEC lines, which log with F_NOEXTRA)
//   SOURCE is query[T] / query[type=N] / auth[T] (VERB `from`), forwarded / dnssec-query[T] /
//   dnssec-retry[T] (VERB `to`, DEST `ip` or `ip#port` when not port 53), reply, cached,
//   cached-stale, config, DHCP, a hosts-file path, auth, validation (VERB `is`).
//   NAME is lower-cased by recent dnsmasq, `.` for the root, `<name unprintable>` when it had
//   control bytes, and may contain spaces: splits prefer the end of the line where DEST is
//   known not to contain the verb (`from CLIENT`, `to SERVER`, `is STATUS`), and the first
//   ` is ` for answers (whose DEST may be free text). A NAME containing ` is ` therefore
//   misparses an answer line; that is the limit of reading a log that does not quote names.
//   EXTRA is ` (DNSSEC signed)` (extra mode, validated answers), ` (EDE: text)` on rcode and
//   validation lines, or nothing.
//
// Hot path: no regular expressions, no split(); indexOf/charCodeAt/slice on the original line.
import type { Counters } from '../../counters';
import type { AnswerOrigin, DnsLogRecord } from './record';
import { MAX_NAME, blankRecord } from './record';

/**
 * Why a framed dnsmasq message gave no record: a reader returns the index of its reason here.
 * The first two are drops, the others ignored lines.
 */
export const MESSAGE_SKIPS = [
  'unknown_message', // not a form this parser knows
  'truncated', // a known form cut short (no ` from `, ` to `, ` is `)
  'lifecycle', // started, compile time options, using nameserver, read, exiting...
  'ipset', // ipset/nftset add
  'opcode', // `non-query opcode N from CLIENT`
] as const;
export type MessageSkip = (typeof MESSAGE_SKIPS)[number];

// First words of dnsmasq's non-query messages (startup, reload, SIGUSR1 statistics, warnings).
// (one text split at load: ~3 bytes a word less than an array literal in the bundle)
const LIFECYCLE = new Set(('started, compile using read reading cleared exiting ignoring Ignoring failed warning: '
  + 'setting listening DNSSEC DNS cache queries server time Host overflow: asynchronous no '
  + 'not LOUD child possible stopped now nameserver disabling Disabling Enabling configured '
  + 'default Maximum limit inotify: error: error bad cannot Cannot Insecure DBus UBus '
  + 'connected Conntrack Disconnecting IPset: FAILED Error Internal BUG: ARP-cache system '
  + 'timeout sent router pool more netlink log abandoning discarding dumping Unknown NOT '
  + 'Negative duplicate unable try Case IPv6 info: script validation TCP forwarding loop '
  + 'Loop reply DHCP DHCPv4-derived PXE Stale').split(' '));

/** The SOURCE words of answer lines (`WORD NAME is DEST`), and the origin each stands for. */
const ORIGINS = {
  __proto__: null, reply: 'reply', cached: 'cached', config: 'config', 'cached-stale': 'stale', DHCP: 'dhcp',
  auth: 'auth', '<unknown>': 'hosts', // '<unknown>' when dnsmasq lost track of which hosts file
} as unknown as Record<string, AnswerOrigin | undefined>;

/** A hex digit or ':' (the first character of an address inet_ntop prints). */
function hexOrColon(c: number): boolean {
  // (x ^ 48) < 10: x is a digit, and false for NaN (no character there), where x - 48 >>> 0 is 0
  return (c ^ 48) < 11 || (c | 32) - 97 >>> 0 < 6;
}

/** DEST texts of the resolver's own DNSSEC lines (dnssec.c), never answers to a client. */
function isDnssecDest(line: string, a: number, b: number): boolean {
  return line.startsWith('DNSKEY keytag ', a) || line.startsWith('DS for keytag ', a) || line.startsWith('BOGUS DNSKEY', a) ||
    line.startsWith('BOGUS DS', a) || (line.startsWith('no DS', a) && (b - a === 5 || line.startsWith('no DS/cut', a))) ||
    (b - a === 8 && line.startsWith('SERVFAIL', a));
}

/**
 * The address type of line[a, b) as inet_ntop prints addresses: 'A', 'AAAA', or ''.
 * Checked by its ends and two native scans rather than char by char (qjs is slow per char):
 * digits at both ends with a '.' and no space is IPv4; hex-or-colon ends with a ':' and no
 * space is IPv6. Only DEST text that imitates an address exactly (a TXT string "1.2.3.4")
 * can be mistaken, and it is then typed as the address it spells. (The fast lane,
 * dns-fast-line.ts, has the same test written out.)
 */
function addressType(line: string, a: number, b: number): string {
  const n = b - a;
  if (n < 2 || n > 45) return '';
  const first = line.charCodeAt(a);
  const last = line.charCodeAt(b - 1);
  const sp = line.indexOf(' ', a);
  if (sp >= 0 && sp < b) return '';
  const colon = line.indexOf(':', a);
  if (colon >= 0 && colon < b) return hexOrColon(first) && hexOrColon(last) ? 'AAAA' : '';
  const dot = line.indexOf('.', a);
  return (first ^ 48) < 10 && (last ^ 48) < 10 && n > 6 && dot > a && dot < b ? 'A' : '';
}

export function allDigits(line: string, a: number, b: number): boolean {
  if (b <= a) return false;
  for (let i = a; i < b; i++) if ((line.charCodeAt(i) ^ 48) > 9) return false;
  return true;
}

/** `<CNAME>`, `<MX>`, `<type=65>`: the record type named by a placeholder, or '' if not one. */
export function placeholderType(line: string, a: number, b: number): string {
  if (b - a < 3 || line.charCodeAt(b - 1) !== 62 /* > */) return '';
  if (b - a === 7 && line.startsWith('CNAME>', a + 1)) return 'CNAME';
  if (line.startsWith('type=', a + 1)) return allDigits(line, a + 6, b - 1) ? 'TYPE' + line.slice(a + 6, b - 1) : '';
  for (let i = a + 1; i < b - 1; i++) {
    const c = line.charCodeAt(i);
    if (!(c - 65 >>> 0 < 26 || (c ^ 48) < 10 || c === 45 || c === 95)) return '';
  }
  return line.slice(a + 1, b - 1);
}

/** The T of `query[T] ` at line[a, close): a mnemonic of up to 16 characters, or `type=N` as
 *  `TYPEN`; '' when it is neither. */
export function queryType(line: string, a: number, close: number): string {
  if (line.startsWith('type=', a)) return allDigits(line, a + 5, close) ? 'TYPE' + line.slice(a + 5, close) : '';
  return close === a || close - a > 16 ? '' : line.slice(a, close);
}

/** A uint32 written in decimal at line[a, b), or -1. */
function decimal(line: string, a: number, b: number): number {
  const v = +line.slice(a, b); // one native conversion beats a charCodeAt loop in qjs
  return b <= a || b - a > 10 || (line.charCodeAt(a) ^ 48) > 9 || (line.charCodeAt(b - 1) ^ 48) > 9 || v >>> 0 !== v ? -1 : v;
}

const RCODE_NAMES = 'NOERROR FORMERR SERVFAIL NXDOMAIN NOTIMP REFUSED YXDOMAIN YXRRSET NXRRSET NOTAUTH NOTZONE'.split(' ');

/** rcode DEST of log_query's F_RCODE branch, as a mnemonic; '' if DEST is not one. */
function rcodeOf(line: string, a: number, b: number, numeric: boolean): string {
  // one slice: only answers that are no address, placeholder or negative get here
  const w = line.slice(a, b);
  if (w === 'SERVFAIL' || w === 'REFUSED' || w === 'FORMERR') return w;
  if (w === 'not implemented') return 'NOTIMP';
  return numeric && b - a <= 5 && allDigits(line, a, b) ? RCODE_NAMES[+w] ?? 'RCODE' + +w : '';
}

/** Reads line[start, end) framed at ts by pid: a record, or the index of a MESSAGE_SKIPS reason. */
export type MessageReader = (line: string, start: number, end: number, ts: number, pid: number) => DnsLogRecord | number;

/**
 * A reader of messages. The record it returns is its own and overwritten by its next call
 * (allocating one per line costs more than the rest of the parse in qjs): consume it at once
 * or copy it (copyRecord). Names longer than MAX_NAME are cut (dnsmasq.names_cut; the record
 * is kept).
 */
export function messageReader(counters: Counters): MessageReader {
  const queryRec = blankRecord('query');
  const sentRec = blankRecord('forwarded');
  const answerRec = blankRecord('answer');
  const validationRec = blankRecord('validation');
  /** The current line's extra-mode CLIENT/PORT token is at [clientAt, clientEnd) (-1: none). */
  let clientAt = -1;
  let clientEnd = -1;

  // only called for a record that is returned: a cut is counted once it is in a record
  const name = (line: string, a: number, b: number): string => {
    if (b - a > MAX_NAME) {
      counters.inc('dnsmasq.names_cut');
      b = a + MAX_NAME;
    }
    return line.slice(a, b);
  };

  /** `T] NAME from CLIENT` after `query[` / `auth[`. */
  const query = (line: string, p: number, end: number, auth: boolean): DnsLogRecord | number => {
    const close = line.indexOf('] ', p);
    if (close < 0 || close >= end) return 1; // truncated
    const qtype = queryType(line, p, close);
    if (qtype === '') return 0; // unknown_message
    const from = line.lastIndexOf(' from ', end - 6);
    if (from <= close) return 1; // truncated
    const rec = queryRec;
    if (clientAt >= 0) {
      const slash = line.lastIndexOf('/', clientEnd - 1);
      const port = slash > clientAt ? decimal(line, slash + 1, clientEnd) : -1;
      if (port < 0 || port > 65535) return 0; // unknown_message
      rec.client = line.slice(clientAt, slash);
      rec.clientPort = port;
    } else {
      rec.client = line.slice(from + 6, end);
      rec.clientPort = undefined;
    }
    rec.name = name(line, close + 2, from);
    rec.qtype = qtype;
    rec.auth = auth || undefined;
    return rec;
  };

  /** `NAME to SERVER` after `forwarded ` / `dnssec-query[T] `. */
  const sent = (line: string, p: number, end: number, kind: 'forwarded' | 'dnssec'): DnsLogRecord | number => {
    const to = line.lastIndexOf(' to ', end - 4);
    if (to < p - 1 || to + 4 >= end) return 1; // truncated
    const rec = sentRec;
    rec.kind = kind;
    rec.name = name(line, p, to < p ? p : to);
    rec.upstream = line.slice(to + 4, end);
    return rec;
  };

  /** `NAME is STATUS[ (EDE: text)]` after `validation `. */
  const validation = (line: string, p: number, end: number): DnsLogRecord | number => {
    let e = end;
    let ede: string | undefined;
    const edeAt = line.lastIndexOf(' (EDE: ', end);
    if (edeAt >= p && line.charCodeAt(end - 1) === 41 /* ) */) {
      ede = line.slice(edeAt + 7, end - 1);
      e = edeAt;
    }
    const is = line.lastIndexOf(' is ', e - 1);
    if (is < p - 1 || is + 4 >= e) return 1; // truncated
    const rec = validationRec;
    rec.name = name(line, p, is < p ? p : is);
    rec.status = line.slice(is + 4, e);
    rec.ede = ede;
    return rec;
  };

  /** `NAME is DEST[EXTRA]` after an answer SOURCE word. */
  const answer = (line: string, p: number, end: number, origin: AnswerOrigin, hostsFile?: string): DnsLogRecord | number => {
    // `reply is truncated` has no NAME: ' is ' then starts at p - 1.
    const is = line.indexOf(' is ', p - 1);
    if (is < 0 || is + 4 > end) return 1; // truncated
    // NAME is line[p, nameEnd); '' where there is none (or for `error` / `query`, see below)
    let nameEnd = is < p ? p : is;
    const named = nameEnd > p;
    const a = is + 4;
    let b = end;
    let signed: boolean | undefined;
    if (line.charCodeAt(b - 1) === 41 /* ) */ && line.endsWith(' (DNSSEC signed)', b)) {
      signed = true;
      b -= 16;
    }
    if (a >= b) return 1; // truncated
    const n = b - a;
    const rec = answerRec;
    rec.kind = 'answer';
    rec.origin = origin;
    rec.hostsFile = hostsFile;
    rec.signed = signed;
    rec.reverse = rec.rcode = rec.ede = undefined;
    const c = line.charCodeAt(a);
    let rtype: string | undefined;
    let data: string | null | undefined;

    // An address is by far the most common DEST: decide it before the rarer words.
    if ((rtype = hexOrColon(c) ? addressType(line, a, b) : '') !== '') {
      data = line.slice(a, b);
    } else if (c === 60 /* < */ && (rtype = placeholderType(line, a, b)) !== '') {
      data = null;
    } else {
      rtype = undefined;
      const isError = nameEnd - p === 5 && line.startsWith('error', p);
      let rcode = '';
      let ede: string | undefined;
      if (origin === 'reply' || origin === 'config' || origin === 'auth') {
        // F_RCODE lines: `reply error is SERVFAIL (EDE: ...)`, `config error is REFUSED`,
        // `config version.bind is not implemented`.
        const edeAt = line.charCodeAt(b - 1) === 41 ? line.lastIndexOf(' (EDE: ', b) : -1;
        if (edeAt > a) ede = line.slice(edeAt + 7, b - 1);
        if (isError || origin === 'config' || edeAt > a) rcode = rcodeOf(line, a, edeAt > a ? edeAt : b, isError);
      }
      if (c === 78 /* N */ && n === 8 && line.startsWith('NXDOMAIN', a)) {
        rec.kind = 'nxdomain';
      } else if (c === 78 && line.startsWith('NODATA', a) && (n === 6 || n === 11)) {
        rec.kind = 'nodata';
        data = n === 6 ? null : line.startsWith('-IPv4', a + 6) ? 'IPv4' : line.startsWith('-IPv6', a + 6) ? 'IPv6' : null;
        if (n === 11 && data === null) return 0; // unknown_message
      } else if (rcode !== '') {
        rec.kind = 'rcode';
        rec.rcode = rcode;
        rec.ede = ede;
        if (isError) nameEnd = p;
      } else if (n === 9 && line.startsWith('truncated', a)) {
        rec.kind = 'truncated';
      } else if (n === 9 && nameEnd - p === 5 && line.startsWith('duplicate', a) && line.startsWith('query', p)) {
        rec.kind = 'duplicate';
        nameEnd = p;
      } else if (origin === 'reply' && isDnssecDest(line, a, b)) {
        rec.kind = 'dnssec';
      } else if (named && addressType(line, p, nameEnd) !== '') {
        rtype = 'PTR'; // F_REVERSE: `reply 198.51.100.80 is www.shop.test`
        rec.reverse = true;
        data = name(line, a, b);
      } else {
        rtype = 'TXT'; // log_txt(): one line per character-string
        data = line.slice(a, b);
      }
    }
    // an answer record has a NAME
    if (rec.kind === 'answer' && !named) return 1; // truncated
    rec.name = name(line, p, nameEnd);
    rec.rtype = rtype;
    rec.data = data;
    return rec;
  };

  /** SOURCE NAME VERB DEST at p, after the head. */
  const body = (line: string, p: number, end: number, serial: number): DnsLogRecord | number => {
    if (line.startsWith('query[', p)) return query(line, p + 6, end, false);
    if (line.startsWith('auth[', p)) return query(line, p + 5, end, true);
    if (line.startsWith('dnssec-query[', p) || line.startsWith('dnssec-retry[', p)) {
      const close = line.indexOf('] ', p + 13);
      return close < 0 || close >= end ? 1 /* truncated */ : sent(line, close + 2, end, 'dnssec');
    }
    let sp = line.indexOf(' ', p);
    if (sp < 0 || sp > end) sp = end;
    // the first word, followed by a space when sp < end
    const word = line.slice(p, sp);
    if (line.charCodeAt(p) === 47 /* / */) {
      // a hosts-file path (record_source())
      return sp < end ? answer(line, sp + 1, end, 'hosts', word) : 1; // truncated
    }
    if (sp < end) {
      const origin = ORIGINS[word];
      if (origin !== undefined) return answer(line, sp + 1, end, origin, origin === 'hosts' ? word : undefined);
      if (word === 'forwarded') return sent(line, sp + 1, end, 'forwarded');
      if (word === 'validation') {
        return line.startsWith('of ', sp + 1) && line.indexOf(' failed: ', p) > 0 ? 2 /* lifecycle */ : validation(line, sp + 1, end);
      }
      if ((word === 'ipset' || word === 'nftset') && line.startsWith('add ', sp + 1)) return 3; // ipset
      if (word === 'non-query' && line.startsWith('opcode ', sp + 1)) return 4; // opcode
    }
    // Not a query-log form: startup/reload/statistics chatter, or something new (after a
    // serial only a SIGUSR1 `dumping` line is chatter),
    if (serial >= 0 && (word !== 'dumping' || sp >= end)) return 0; // unknown_message
    // or a SIGUSR1 cache dump row: `name<padding>  address  flags  expires  source`
    return LIFECYCLE.has(word) || (line.charCodeAt(sp + 1) === 32 && line.charCodeAt(sp + 2) === 32) ? 2 /* lifecycle */ : 0; // unknown_message
  };

  return (line, start, end, ts, pid) => {
    let p = start;
    let c = line.charCodeAt(p);
    let tcp: boolean | undefined;
    let serial = -1;
    if ((c === 84 || c === 85) && line.startsWith('CP ', p + 1) && (line.charCodeAt(p + 4) ^ 48) < 10) {
      tcp = c === 84; // `TCP ` / `UDP ` from --log-queries=proto
      c = line.charCodeAt(p += 4);
    }
    clientAt = -1;
    if ((c ^ 48) < 10) {
      const sp = line.indexOf(' ', p);
      const v = sp > p && sp + 1 < end ? decimal(line, p, sp) : -1;
      if (v >= 0) {
        serial = v;
        // CLIENT/PORT ends in a port digit and never starts with '/'; SOURCE words end in a
        // letter or ']' and hosts paths start with '/'. Only query lines need it sliced.
        const sp2 = hexOrColon(line.charCodeAt(p = sp + 1)) ? line.indexOf(' ', p) : -1;
        if (sp2 > p && sp2 < end && (line.charCodeAt(sp2 - 1) ^ 48) < 10) {
          clientAt = p;
          clientEnd = sp2;
          p = sp2 + 1;
        }
      }
    }
    const rec = body(line, p, end, serial);
    if (typeof rec !== 'number') {
      rec.ts = ts;
      rec.pid = pid;
      rec.serial = serial;
      rec.tcp = tcp;
    }
    return rec;
  };
}
