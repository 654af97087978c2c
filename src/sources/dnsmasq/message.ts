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
import type { AnswerOrigin, DnsLogRecord } from './record';
import { MAX_NAME, blankRecord } from './record';

/** Why a framed dnsmasq message gave no record. */
export type MessageSkip =
  | 'unknown_message' // drop: not a form this parser knows
  | 'truncated' // drop: a known form cut short (no ` from `, ` to `, ` is `)
  | 'lifecycle' // ignored: started, compile time options, using nameserver, read, exiting...
  | 'ipset' // ignored: ipset/nftset add
  | 'opcode'; // ignored: `non-query opcode N from CLIENT`

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

/** DEST texts of the resolver's own DNSSEC lines (dnssec.c), never answers to a client. */
function isDnssecDest(line: string, a: number, b: number): boolean {
  const c = line.charCodeAt(a);
  if (c === 68 /* D */) return line.startsWith('DNSKEY keytag ', a) || line.startsWith('DS for keytag ', a);
  if (c === 66 /* B */) return line.startsWith('BOGUS DNSKEY', a) || line.startsWith('BOGUS DS', a);
  if (c === 110 /* n */) return line.startsWith('no DS', a) && (b - a === 5 || line.startsWith('no DS/cut', a));
  return false;
}

/**
 * The address type of line[a, b) as inet_ntop prints addresses: 'A', 'AAAA', or ''.
 * Checked by its ends and two native scans rather than char by char (qjs is slow per char):
 * digits at both ends with a '.' and no space is IPv4; hex-or-colon ends with a ':' and no
 * space is IPv6. Only DEST text that imitates an address exactly (a TXT string "1.2.3.4")
 * can be mistaken, and it is then typed as the address it spells.
 */
function addressType(line: string, a: number, b: number): string {
  const n = b - a;
  if (n < 2 || n > 45) return '';
  const first = line.charCodeAt(a);
  const last = line.charCodeAt(b - 1);
  const sp = line.indexOf(' ', a);
  if (sp >= 0 && sp < b) return '';
  const colon = line.indexOf(':', a);
  // hex and digit tests written out: a call per character test is dear in qjs, and this runs per answer.
  if (colon >= 0 && colon < b) {
    return ((first >= 48 && first <= 58) || (first >= 97 && first <= 102) || (first >= 65 && first <= 70)) &&
      ((last >= 48 && last <= 58) || (last >= 97 && last <= 102) || (last >= 65 && last <= 70)) ? 'AAAA' : '';
  }
  if (first < 48 || first > 57 || last < 48 || last > 57 || n < 7) return '';
  const dot = line.indexOf('.', a);
  return dot > a && dot < b ? 'A' : '';
}

export function allDigits(line: string, a: number, b: number): boolean {
  if (b <= a) return false;
  for (let i = a; i < b; i++) {
    const c = line.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** `<CNAME>`, `<MX>`, `<type=65>`: the record type named by a placeholder, or '' if not one. */
export function placeholderType(line: string, a: number, b: number): string {
  if (b - a < 3 || line.charCodeAt(b - 1) !== 62 /* > */) return '';
  if (b - a === 7 && line.startsWith('CNAME>', a + 1)) return 'CNAME';
  if (line.startsWith('type=', a + 1)) return allDigits(line, a + 6, b - 1) ? 'TYPE' + line.slice(a + 6, b - 1) : '';
  for (let i = a + 1; i < b - 1; i++) {
    const c = line.charCodeAt(i);
    if (!((c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 45 || c === 95)) return '';
  }
  return line.slice(a + 1, b - 1);
}

/** A uint32 written in decimal at line[a, b), or -1. */
function decimal(line: string, a: number, b: number): number {
  if (b <= a || b - a > 10) return -1;
  const f = line.charCodeAt(a);
  const l = line.charCodeAt(b - 1);
  if (f < 48 || f > 57 || l < 48 || l > 57) return -1;
  const v = +line.slice(a, b); // one native conversion beats a charCodeAt loop in qjs
  return v >>> 0 === v ? v : -1;
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

/**
 * Parses messages into records. The record returned is owned by the parser and overwritten by
 * the next parse() (allocating one per line costs more than the rest of the parse in qjs):
 * consume it at once or copy it (copyRecord).
 */
export class DnsmasqMessageParser {
  /** Why the last parse() returned null. */
  skip_: MessageSkip = 'unknown_message';
  /** Names longer than MAX_NAME that were cut (records are still produced). */
  namesCut_ = 0;
  private readonly queryRec_ = blankRecord('query');
  private readonly sentRec_ = blankRecord('forwarded');
  private readonly answerRec_ = blankRecord('answer');
  private readonly validationRec_ = blankRecord('validation');
  /** The current line had an extra-mode CLIENT/PORT token at [clientAt, clientEnd). */
  private clientAt_ = -1;
  private clientEnd_ = -1;
  /** The head (`[TCP ]SERIAL CLIENT/PORT `) of the line being read. */
  private serial_ = -1;
  private tcp_: boolean | undefined = undefined;
  /** Parses line[start, end) framed at ts by pid. */
  parse_(line: string, start: number, end: number, ts: number, pid: number): DnsLogRecord | null {
    let p = start;
    let c = line.charCodeAt(p);
    let c4: number;
    this.tcp_ = undefined;
    if ((c === 84 || c === 85) && line.charCodeAt(p + 3) === 32 && line.charCodeAt(p + 1) === 67 &&
      line.charCodeAt(p + 2) === 80 && (c4 = line.charCodeAt(p + 4)) >= 48 && c4 <= 57) {
      this.tcp_ = c === 84; // `TCP ` / `UDP ` from --log-queries=proto
      p += 4;
      c = line.charCodeAt(p);
    }
    this.serial_ = -1;
    this.clientAt_ = -1;
    if (c >= 48 && c <= 57) {
      const sp = line.indexOf(' ', p);
      const v = sp > p && sp + 1 < end ? decimal(line, p, sp) : -1;
      if (v >= 0) {
        this.serial_ = v;
        p = sp + 1;
        c = line.charCodeAt(p);
        // CLIENT/PORT ends in a port digit and never starts with '/'; SOURCE words end in a
        // letter or ']' and hosts paths start with '/'. Only query lines need it sliced.
        if ((c >= 48 && c <= 58) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70)) {
          const sp2 = line.indexOf(' ', p);
          const d = sp2 > p && sp2 < end ? line.charCodeAt(sp2 - 1) : 0;
          if (d >= 48 && d <= 57) {
            this.clientAt_ = p;
            this.clientEnd_ = sp2;
            p = sp2 + 1;
          }
        }
      }
    }
    const rec = this.body_(line, p, end, line.charCodeAt(p), this.serial_);
    if (rec === null) return null;
    rec.ts = ts;
    rec.pid = pid;
    rec.serial = this.serial_;
    rec.tcp = this.tcp_;
    return rec;
  }

  /** SOURCE NAME VERB DEST at p (c is its first char). ts/pid/client are filled by parse(). */
  private body_(line: string, p: number, end: number, c: number, serial: number): DnsLogRecord | null {
    switch (c) {
      case 113: // q
        if (line.startsWith('query[', p)) return this.query_(line, p + 6, end, false);
        break;
      case 102: // f
        if (line.startsWith('forwarded ', p)) return this.sent_(line, p + 10, end, 'forwarded');
        break;
      case 114: // r
        if (line.startsWith('reply ', p)) return this.answer_(line, p + 6, end, 'reply');
        break;
      case 99: // c
        if (line.startsWith('cached ', p)) return this.answer_(line, p + 7, end, 'cached');
        if (line.startsWith('config ', p)) return this.answer_(line, p + 7, end, 'config');
        if (line.startsWith('cached-stale ', p)) return this.answer_(line, p + 13, end, 'stale');
        break;
      case 68: // D
        if (line.startsWith('DHCP ', p)) return this.answer_(line, p + 5, end, 'dhcp');
        break;
      case 47: // '/': a hosts-file path (record_source())
      case 60: {
        // '<unknown>' when dnsmasq lost track of which file
        if (c === 60 && !line.startsWith('<unknown> ', p)) break;
        const sp = line.indexOf(' ', p);
        if (sp < 0 || sp >= end) return this.truncated_();
        return this.answer_(line, sp + 1, end, 'hosts', line.slice(p, sp));
      }
      case 118: // v
        if (line.startsWith('validation of ', p) && line.indexOf(' failed: ', p) > 0) return this.skipAs_('lifecycle');
        if (line.startsWith('validation ', p)) return this.validation_(line, p + 11, end);
        break;
      case 100: // d
        if (line.startsWith('dnssec-query[', p) || line.startsWith('dnssec-retry[', p)) {
          const close = line.indexOf('] ', p + 13);
          if (close < 0 || close >= end) return this.truncated_();
          return this.sent_(line, close + 2, end, 'dnssec');
        }
        break;
      case 97: // a
        if (line.startsWith('auth[', p)) return this.query_(line, p + 5, end, true);
        if (line.startsWith('auth ', p)) return this.answer_(line, p + 5, end, 'auth');
        break;
      case 105: // i
      case 110: // n
        if (line.startsWith('ipset add ', p) || line.startsWith('nftset add ', p)) return this.skipAs_('ipset');
        if (line.startsWith('non-query opcode ', p)) return this.skipAs_('opcode');
        break;
    }
    if (serial >= 0 && !line.startsWith('dumping ', p)) return this.unknown_();
    // Not a query-log form: startup/reload/statistics chatter, or something new.
    let sp = line.indexOf(' ', p);
    if (sp < 0 || sp > end) sp = end;
    // (or a SIGUSR1 cache dump row: `name<padding>  address  flags  expires  source`)
    return LIFECYCLE.has(line.slice(p, sp)) || (line.charCodeAt(sp + 1) === 32 && line.charCodeAt(sp + 2) === 32)
      ? this.skipAs_('lifecycle') : this.unknown_();
  }

  private skipAs_(why: MessageSkip): null {
    this.skip_ = why;
    return null;
  }

  // the two commonest skips by name: each use is ~12 bytes shorter in the bundle
  private truncated_(): null {
    this.skip_ = 'truncated';
    return null;
  }

  private unknown_(): null {
    this.skip_ = 'unknown_message';
    return null;
  }

  private name_(line: string, a: number, b: number): string {
    if (b - a > MAX_NAME) {
      this.namesCut_++;
      return line.slice(a, a + MAX_NAME);
    }
    return line.slice(a, b);
  }

  /** `T] NAME from CLIENT` after `query[` / `auth[`. */
  private query_(line: string, p: number, end: number, auth: boolean): DnsLogRecord | null {
    const close = line.indexOf('] ', p);
    if (close < 0 || close >= end) return this.truncated_();
    let qtype: string;
    if (line.startsWith('type=', p)) {
      if (!allDigits(line, p + 5, close)) return this.unknown_();
      qtype = 'TYPE' + line.slice(p + 5, close);
    } else {
      if (close === p || close - p > 16) return this.unknown_();
      qtype = line.slice(p, close);
    }
    const from = line.lastIndexOf(' from ', end - 6);
    if (from < close + 1) return this.truncated_();
    const rec = this.queryRec_;
    rec.name = this.name_(line, close + 2, from);
    rec.qtype = qtype;
    rec.auth = auth ? true : undefined;
    if (this.clientAt_ >= 0) {
      const slash = line.lastIndexOf('/', this.clientEnd_ - 1);
      const port = slash > this.clientAt_ ? decimal(line, slash + 1, this.clientEnd_) : -1;
      if (port < 0 || port > 65535) return this.unknown_();
      rec.client = line.slice(this.clientAt_, slash);
      rec.clientPort = port;
    } else {
      rec.client = line.slice(from + 6, end);
      rec.clientPort = undefined;
    }
    return rec;
  }

  /** `NAME to SERVER` after `forwarded ` / `dnssec-query[T] `. */
  private sent_(line: string, p: number, end: number, kind: 'forwarded' | 'dnssec'): DnsLogRecord | null {
    const to = line.lastIndexOf(' to ', end - 4);
    if (to < p - 1 || to + 4 >= end) return this.truncated_();
    const rec = this.sentRec_;
    rec.kind = kind;
    rec.name = to < p ? '' : this.name_(line, p, to);
    rec.upstream = line.slice(to + 4, end);
    return rec;
  }

  /** `NAME is STATUS[ (EDE: text)]` after `validation `. */
  private validation_(line: string, p: number, end: number): DnsLogRecord | null {
    let e = end;
    let ede: string | undefined;
    const edeAt = line.lastIndexOf(' (EDE: ', end);
    if (edeAt >= p && line.charCodeAt(end - 1) === 41 /* ) */) {
      ede = line.slice(edeAt + 7, end - 1);
      e = edeAt;
    }
    const is = line.lastIndexOf(' is ', e - 1);
    if (is < p - 1 || is + 4 >= e) return this.truncated_();
    const rec = this.validationRec_;
    rec.name = is < p ? '' : this.name_(line, p, is);
    rec.status = line.slice(is + 4, e);
    rec.ede = ede;
    return rec;
  }

  /** `NAME is DEST[EXTRA]` after an answer SOURCE word. */
  private answer_(line: string, p: number, end: number, origin: AnswerOrigin,
    hostsFile?: string): DnsLogRecord | null {
    // `reply is truncated` has no NAME: ' is ' then starts at p - 1.
    const is = line.indexOf(' is ', p - 1);
    if (is < 0 || is + 4 > end) return this.truncated_();
    const nameEnd = is < p ? p : is;
    const a = is + 4;
    let b = end;
    let signed: boolean | undefined;
    if (line.charCodeAt(b - 1) === 41 /* ) */ && line.endsWith(' (DNSSEC signed)', b)) {
      signed = true;
      b -= 16;
    }
    if (a >= b) return this.truncated_();
    const rec = this.answerRec_;
    rec.kind = 'answer';
    rec.origin = origin;
    rec.hostsFile = hostsFile;
    rec.signed = signed;
    rec.rtype = undefined;
    rec.data = undefined;
    rec.reverse = undefined;
    rec.rcode = undefined;
    rec.ede = undefined;
    const c = line.charCodeAt(a);

    // An address is by far the most common DEST: decide it before the rarer words.
    const at = (c >= 48 && c <= 58) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70) ? addressType(line, a, b) : '';
    if (at !== '') {
      if (nameEnd === p) return this.truncated_();
      rec.name = this.name_(line, p, nameEnd);
      rec.rtype = at;
      rec.data = line.slice(a, b);
      return rec;
    }
    if (c === 60 /* < */) {
      const t = placeholderType(line, a, b);
      if (t !== '') {
        if (nameEnd === p) return this.truncated_();
        rec.name = this.name_(line, p, nameEnd);
        rec.rtype = t;
        rec.data = null;
        return rec;
      }
    }
    if (c === 78 /* N */) {
      if (b - a === 8 && line.startsWith('NXDOMAIN', a)) {
        rec.kind = 'nxdomain';
        rec.name = this.name_(line, p, nameEnd);
        return rec;
      }
      if (line.startsWith('NODATA', a) && (b - a === 6 || b - a === 11)) {
        rec.kind = 'nodata';
        rec.data = b - a === 6 ? null : line.startsWith('-IPv4', a + 6) ? 'IPv4' : line.startsWith('-IPv6', a + 6) ? 'IPv6' : null;
        if (b - a === 11 && rec.data === null) return this.unknown_();
        rec.name = this.name_(line, p, nameEnd);
        return rec;
      }
    }
    const isError = nameEnd - p === 5 && line.startsWith('error', p);
    if (origin === 'reply' || origin === 'config' || origin === 'auth') {
      // F_RCODE lines: `reply error is SERVFAIL (EDE: ...)`, `config error is REFUSED`,
      // `config version.bind is not implemented`.
      let rb = b;
      let ede: string | undefined;
      if (line.charCodeAt(b - 1) === 41) {
        const edeAt = line.lastIndexOf(' (EDE: ', b);
        if (edeAt > a) {
          ede = line.slice(edeAt + 7, b - 1);
          rb = edeAt;
        }
      }
      const rcode = rcodeOf(line, a, rb, isError);
      if (rcode !== '' && (isError || origin === 'config' || ede !== undefined)) {
        rec.kind = 'rcode';
        rec.rcode = rcode;
        rec.ede = ede;
        rec.name = isError ? '' : this.name_(line, p, nameEnd);
        return rec;
      }
    }
    if (b - a === 9 && line.startsWith('truncated', a)) {
      rec.kind = 'truncated';
      rec.name = nameEnd > p ? this.name_(line, p, nameEnd) : '';
      return rec;
    }
    if (b - a === 9 && nameEnd - p === 5 && line.startsWith('duplicate', a) && line.startsWith('query', p)) {
      rec.kind = 'duplicate';
      rec.name = '';
      return rec;
    }
    if (origin === 'reply' && (isDnssecDest(line, a, b) || (b - a === 8 && line.startsWith('SERVFAIL', a)))) {
      rec.kind = 'dnssec';
      rec.name = this.name_(line, p, nameEnd);
      return rec;
    }
    if (nameEnd === p) return this.truncated_();
    rec.name = this.name_(line, p, nameEnd);
    if (addressType(line, p, nameEnd) !== '') {
      rec.rtype = 'PTR'; // F_REVERSE: `reply 198.51.100.80 is www.shop.test`
      rec.reverse = true;
      rec.data = this.name_(line, a, b);
    } else {
      rec.rtype = 'TXT'; // log_txt(): one line per character-string
      rec.data = line.slice(a, b);
    }
    return rec;
  }
}
