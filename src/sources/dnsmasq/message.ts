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
import { MAX_NAME } from './record';

/** Why a framed dnsmasq message gave no record. */
export type MessageSkip =
  | 'unknown_message' // drop: not a form this parser knows
  | 'truncated' // drop: a known form cut short (no ` from `, ` to `, ` is `)
  | 'lifecycle' // ignored: started, compile time options, using nameserver, read, exiting...
  | 'ipset' // ignored: ipset/nftset add
  | 'opcode'; // ignored: `non-query opcode N from CLIENT`

// First words of dnsmasq's non-query messages (startup, reload, SIGUSR1 statistics, warnings).
const LIFECYCLE = new Set([
  'started,', 'compile', 'using', 'read', 'reading', 'cleared', 'exiting', 'ignoring', 'Ignoring',
  'failed', 'warning:', 'setting', 'listening', 'DNSSEC', 'DNS', 'cache', 'queries', 'server',
  'time', 'Host', 'overflow:', 'asynchronous', 'no', 'not', 'LOUD', 'child', 'possible',
  'stopped', 'now', 'nameserver', 'disabling', 'Disabling', 'Enabling', 'configured', 'default',
  'Maximum', 'limit', 'inotify:', 'error:', 'error', 'bad', 'cannot', 'Cannot', 'Insecure', 'DBus',
  'UBus', 'connected', 'Conntrack', 'Disconnecting', 'IPset:', 'FAILED', 'Error', 'Internal',
  'BUG:', 'ARP-cache', 'system', 'timeout', 'sent', 'router', 'pool', 'more', 'netlink', 'log',
  'abandoning', 'discarding', 'dumping', 'Unknown', 'NOT', 'Negative', 'duplicate', 'unable',
  'try', 'Case', 'IPv6', 'info:', 'script', 'validation', 'TCP', 'forwarding', 'loop', 'Loop',
  'reply', 'DHCP', 'DHCPv4-derived', 'PXE', 'Stale',
]);

/** DEST texts of the resolver's own DNSSEC lines (dnssec.c), never answers to a client. */
function isDnssecDest(line: string, a: number, b: number): boolean {
  const c = line.charCodeAt(a);
  if (c === 68 /* D */) return line.startsWith('DNSKEY keytag ', a) || line.startsWith('DS for keytag ', a);
  if (c === 66 /* B */) return line.startsWith('BOGUS DNSKEY', a) || line.startsWith('BOGUS DS', a);
  if (c === 110 /* n */) return line.startsWith('no DS', a) && (b - a === 5 || line.startsWith('no DS/cut', a));
  return false;
}

/** An address as inet_ntop prints it: dotted quad, or hex groups with colons. */
function isAddress(line: string, a: number, b: number): boolean {
  const n = b - a;
  if (n < 2 || n > 45) return false;
  let dots = 0;
  let colons = 0;
  let hex = false;
  for (let i = a; i < b; i++) {
    const c = line.charCodeAt(i);
    if (c >= 48 && c <= 57) continue;
    if (c === 46) dots++;
    else if (c === 58) colons++;
    else if ((c >= 97 && c <= 102) || (c >= 65 && c <= 70)) hex = true;
    else return false;
  }
  return colons >= 2 || (dots === 3 && !hex && colons === 0);
}

function allDigits(line: string, a: number, b: number): boolean {
  if (b <= a) return false;
  for (let i = a; i < b; i++) {
    const c = line.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** `<CNAME>`, `<MX>`, `<type=65>`: the record type named by a placeholder, or '' if not one. */
function placeholderType(line: string, a: number, b: number): string {
  if (b - a < 3 || line.charCodeAt(b - 1) !== 62 /* > */) return '';
  if (line.startsWith('type=', a + 1)) return allDigits(line, a + 6, b - 1) ? 'TYPE' + line.slice(a + 6, b - 1) : '';
  for (let i = a + 1; i < b - 1; i++) {
    const c = line.charCodeAt(i);
    if (!((c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 45 || c === 95)) return '';
  }
  return line.slice(a + 1, b - 1);
}

const RCODE_NAMES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN',
  'YXRRSET', 'NXRRSET', 'NOTAUTH', 'NOTZONE'];

/** rcode DEST of log_query's F_RCODE branch, as a mnemonic; '' if DEST is not one. */
function rcodeOf(line: string, a: number, b: number, numeric: boolean): string {
  const n = b - a;
  if (n === 8 && line.startsWith('SERVFAIL', a)) return 'SERVFAIL';
  if (n === 7 && line.startsWith('REFUSED', a)) return 'REFUSED';
  if (n === 7 && line.startsWith('FORMERR', a)) return 'FORMERR';
  if (n === 15 && line.startsWith('not implemented', a)) return 'NOTIMP';
  if (numeric && n <= 5 && allDigits(line, a, b)) {
    const v = Number(line.slice(a, b));
    return v < RCODE_NAMES.length ? RCODE_NAMES[v] : 'RCODE' + v;
  }
  return '';
}

export class DnsmasqMessageParser {
  /** Why the last parse() returned null. */
  skip: MessageSkip = 'unknown_message';
  /** Names longer than MAX_NAME that were cut (records are still produced). */
  namesCut = 0;
  /** The current line had an extra-mode CLIENT/PORT prefix. */
  private prefixClient = false;

  /** Parses line[start, end) framed at ts by pid. */
  parse(line: string, start: number, end: number, ts: number, pid: number): DnsLogRecord | null {
    let p = start;
    let tcp: boolean | undefined;
    let c = line.charCodeAt(p);
    if ((c === 84 || c === 85) && line.charCodeAt(p + 3) === 32 && line.charCodeAt(p + 1) === 67 &&
      line.charCodeAt(p + 2) === 80 && this.isDigit(line.charCodeAt(p + 4))) {
      tcp = c === 84; // `TCP ` / `UDP ` from --log-queries=proto
      p += 4;
      c = line.charCodeAt(p);
    }
    let serial = -1;
    let client: string | undefined;
    let clientPort: number | undefined;
    if (c >= 48 && c <= 57) {
      let i = p;
      let v = 0;
      while (i < end) {
        const d = line.charCodeAt(i);
        if (d < 48 || d > 57) break;
        v = v * 10 + (d - 48);
        i++;
      }
      if (line.charCodeAt(i) === 32 && i - p <= 10 && i + 1 < end) {
        serial = v;
        p = i + 1;
        c = line.charCodeAt(p);
        // CLIENT/PORT: an address (hex digits, ':', '.', '%scope') then '/' and digits.
        if (c !== 47 && ((c >= 48 && c <= 58) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70))) {
          const sp = line.indexOf(' ', p);
          if (sp > p && sp < end) {
            const slash = line.lastIndexOf('/', sp - 1);
            if (slash > p && slash < sp - 1) {
              let port = 0;
              let k = slash + 1;
              for (; k < sp; k++) {
                const d = line.charCodeAt(k);
                if (d < 48 || d > 57) break;
                port = port * 10 + (d - 48);
              }
              if (k === sp && port <= 65535) {
                client = line.slice(p, slash);
                clientPort = port;
                p = sp + 1;
                c = line.charCodeAt(p);
              }
            }
          }
        }
      }
    }
    this.prefixClient = client !== undefined;
    const rec = this.body(line, p, end, c, serial);
    if (rec === null) return null;
    rec.ts = ts;
    rec.pid = pid;
    if (client !== undefined) {
      rec.client = client;
      rec.clientPort = clientPort;
    }
    if (tcp !== undefined) rec.tcp = tcp;
    return rec;
  }

  private isDigit(c: number): boolean {
    return c >= 48 && c <= 57;
  }

  /** SOURCE NAME VERB DEST at p (c is its first char). ts/pid/client are filled by parse(). */
  private body(line: string, p: number, end: number, c: number, serial: number): DnsLogRecord | null {
    switch (c) {
      case 113: // q
        if (line.startsWith('query[', p)) return this.query(line, p + 6, end, serial, false);
        break;
      case 102: // f
        if (line.startsWith('forwarded ', p)) return this.sent(line, p + 10, end, serial, 'forwarded');
        break;
      case 114: // r
        if (line.startsWith('reply ', p)) return this.answer(line, p + 6, end, serial, 'reply', undefined);
        break;
      case 99: // c
        if (line.startsWith('cached ', p)) return this.answer(line, p + 7, end, serial, 'cached', undefined);
        if (line.startsWith('config ', p)) return this.answer(line, p + 7, end, serial, 'config', undefined);
        if (line.startsWith('cached-stale ', p)) return this.answer(line, p + 13, end, serial, 'stale', undefined);
        break;
      case 68: // D
        if (line.startsWith('DHCP ', p)) return this.answer(line, p + 5, end, serial, 'dhcp', undefined);
        break;
      case 47: // '/': a hosts-file path (record_source())
      case 60: {
        // '<unknown>' when dnsmasq lost track of which file
        if (c === 60 && !line.startsWith('<unknown> ', p)) break;
        const sp = line.indexOf(' ', p);
        if (sp < 0 || sp >= end) return this.skipAs('truncated');
        return this.answer(line, sp + 1, end, serial, 'hosts', line.slice(p, sp));
      }
      case 118: // v
        if (line.startsWith('validation of ', p) && line.indexOf(' failed: ', p) > 0) return this.skipAs('lifecycle');
        if (line.startsWith('validation ', p)) return this.validation(line, p + 11, end, serial);
        break;
      case 100: // d
        if (line.startsWith('dnssec-query[', p) || line.startsWith('dnssec-retry[', p)) {
          const close = line.indexOf('] ', p + 13);
          if (close < 0 || close >= end) return this.skipAs('truncated');
          return this.sent(line, close + 2, end, serial, 'dnssec');
        }
        break;
      case 97: // a
        if (line.startsWith('auth[', p)) return this.query(line, p + 5, end, serial, true);
        if (line.startsWith('auth ', p)) return this.answer(line, p + 5, end, serial, 'auth', undefined);
        break;
      case 105: // i
      case 110: // n
        if (line.startsWith('ipset add ', p) || line.startsWith('nftset add ', p)) return this.skipAs('ipset');
        if (line.startsWith('non-query opcode ', p)) return this.skipAs('opcode');
        break;
    }
    if (serial >= 0 && !line.startsWith('dumping ', p)) return this.skipAs('unknown_message');
    // Not a query-log form: startup/reload/statistics chatter, or something new.
    let sp = line.indexOf(' ', p);
    if (sp < 0 || sp > end) sp = end;
    if (LIFECYCLE.has(line.slice(p, sp))) return this.skipAs('lifecycle');
    // SIGUSR1 cache dump rows: `name<padding>  address  flags  expires  source`.
    if (line.charCodeAt(sp + 1) === 32 && line.charCodeAt(sp + 2) === 32) return this.skipAs('lifecycle');
    return this.skipAs('unknown_message');
  }

  private skipAs(why: MessageSkip): null {
    this.skip = why;
    return null;
  }

  private name(line: string, a: number, b: number): string {
    if (b - a > MAX_NAME) {
      this.namesCut++;
      return line.slice(a, a + MAX_NAME);
    }
    return line.slice(a, b);
  }

  /** `T] NAME from CLIENT` after `query[` / `auth[`. */
  private query(line: string, p: number, end: number, serial: number, auth: boolean): DnsLogRecord | null {
    const close = line.indexOf('] ', p);
    if (close < 0 || close >= end) return this.skipAs('truncated');
    let qtype: string;
    if (line.startsWith('type=', p)) {
      if (!allDigits(line, p + 5, close)) return this.skipAs('unknown_message');
      qtype = 'TYPE' + line.slice(p + 5, close);
    } else {
      if (close === p || close - p > 16) return this.skipAs('unknown_message');
      qtype = line.slice(p, close);
    }
    const from = line.lastIndexOf(' from ', end - 6);
    if (from < close + 1) return this.skipAs('truncated');
    const rec: DnsLogRecord = {
      ts: 0, pid: 0, serial, kind: 'query', name: this.name(line, close + 2, from), qtype,
    };
    if (auth) rec.auth = true;
    if (!this.prefixClient) rec.client = line.slice(from + 6, end); // else CLIENT/PORT said it
    return rec;
  }

  /** `NAME to SERVER` after `forwarded ` / `dnssec-query[T] `. */
  private sent(line: string, p: number, end: number, serial: number, kind: 'forwarded' | 'dnssec'): DnsLogRecord | null {
    const to = line.lastIndexOf(' to ', end - 4);
    if (to < p - 1 || to + 4 >= end) return this.skipAs('truncated');
    return {
      ts: 0, pid: 0, serial, kind, name: to < p ? '' : this.name(line, p, to), upstream: line.slice(to + 4, end),
    };
  }

  /** `NAME is STATUS[ (EDE: text)]` after `validation `. */
  private validation(line: string, p: number, end: number, serial: number): DnsLogRecord | null {
    let e = end;
    let ede: string | undefined;
    const edeAt = line.lastIndexOf(' (EDE: ', end);
    if (edeAt >= p && line.charCodeAt(end - 1) === 41 /* ) */) {
      ede = line.slice(edeAt + 7, end - 1);
      e = edeAt;
    }
    const is = line.lastIndexOf(' is ', e - 1);
    if (is < p - 1 || is + 4 >= e) return this.skipAs('truncated');
    const rec: DnsLogRecord = {
      ts: 0, pid: 0, serial, kind: 'validation', name: is < p ? '' : this.name(line, p, is), status: line.slice(is + 4, e),
    };
    if (ede !== undefined) rec.ede = ede;
    return rec;
  }

  /** `NAME is DEST[EXTRA]` after an answer SOURCE word. */
  private answer(line: string, p: number, end: number, serial: number, origin: AnswerOrigin,
    hostsFile: string | undefined): DnsLogRecord | null {
    // `reply is truncated` has no NAME: ' is ' then starts at p - 1.
    const is = line.indexOf(' is ', p - 1);
    if (is < 0 || is + 4 > end) return this.skipAs('truncated');
    const nameEnd = is < p ? p : is;
    const a = is + 4;
    let b = end;
    let signed = false;
    if (line.charCodeAt(b - 1) === 41 /* ) */ && line.endsWith(' (DNSSEC signed)', b)) {
      signed = true;
      b -= 16;
    }
    if (a >= b) return this.skipAs('truncated');
    const rec: DnsLogRecord = { ts: 0, pid: 0, serial, kind: 'answer', name: '', origin };
    if (hostsFile !== undefined) rec.hostsFile = hostsFile;
    if (signed) rec.signed = true;
    const c = line.charCodeAt(a);

    // Fixed DEST words first: they decide the kind before NAME is even sliced.
    if (c === 78 /* N */) {
      if (b - a === 8 && line.startsWith('NXDOMAIN', a)) {
        rec.kind = 'nxdomain';
        rec.name = this.name(line, p, nameEnd);
        return rec;
      }
      if (line.startsWith('NODATA', a) && (b - a === 6 || b - a === 11)) {
        rec.kind = 'nodata';
        rec.data = b - a === 6 ? null : line.startsWith('-IPv4', a + 6) ? 'IPv4' : line.startsWith('-IPv6', a + 6) ? 'IPv6' : null;
        if (b - a === 11 && rec.data === null) return this.skipAs('unknown_message');
        rec.name = this.name(line, p, nameEnd);
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
        if (ede !== undefined) rec.ede = ede;
        if (!isError) rec.name = this.name(line, p, nameEnd);
        return rec;
      }
    }
    if (b - a === 9 && line.startsWith('truncated', a)) {
      rec.kind = 'truncated';
      if (nameEnd > p) rec.name = this.name(line, p, nameEnd);
      return rec;
    }
    if (b - a === 9 && nameEnd - p === 5 && line.startsWith('duplicate', a) && line.startsWith('query', p)) {
      rec.kind = 'duplicate';
      return rec;
    }
    if (origin === 'reply' && (isDnssecDest(line, a, b) || (b - a === 8 && line.startsWith('SERVFAIL', a)))) {
      rec.kind = 'dnssec';
      rec.name = this.name(line, p, nameEnd);
      return rec;
    }
    if (nameEnd === p) return this.skipAs('truncated');
    rec.name = this.name(line, p, nameEnd);
    if (c === 60 /* < */) {
      const t = placeholderType(line, a, b);
      if (t !== '') {
        rec.rtype = t;
        rec.data = null;
        return rec;
      }
    }
    if (isAddress(line, a, b)) {
      const colon = line.indexOf(':', a);
      rec.rtype = colon >= 0 && colon < b ? 'AAAA' : 'A';
      rec.data = line.slice(a, b);
    } else if (isAddress(line, p, nameEnd)) {
      rec.rtype = 'PTR'; // F_REVERSE: `reply 198.51.100.80 is www.shop.test`
      rec.reverse = true;
      rec.data = this.name(line, a, b);
    } else {
      rec.rtype = 'TXT'; // log_txt(): one line per character-string
      rec.data = line.slice(a, b);
    }
    return rec;
  }
}
