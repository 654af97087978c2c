// The common lines of an extra-mode dnsmasq log, taken straight from the text into the open
// transaction: `SERIAL CLIENT/PORT query[T] NAME from CLIENT`, `forwarded NAME to UP`, and
// `reply|cached|config NAME is ADDRESS|<CNAME>|TXT string` of a known transaction, within the second the
// assembler is already at. Everything else (classic mode, DNSSEC, negatives, rcodes, hosts
// files, TCP prefixes, orphans, a new second, long lines) returns false BEFORE any state changes,
// and the caller runs the line through DnsmasqLineParser and TransactionAssembler.push() as
// before. The result is the same: each accepted shape is parsed as parser.ts/message.ts parse it
// and applied as push()/take()/applyAnswer() apply it (a differential test feeds both paths).
//
// Why: in qjs every call (~400 instructions), property access (~110) and string method (500-
// 1,200) counts, and the record between parser and assembler cost ~20 of each per line. Here a
// line is one call (none in replay's loop, drive()): a compare with the last line's head (same
// stamp, pid, serial and client as the line before, two lines in three), 2-5 string scans, the
// slices it keeps.
//
// Only for a lone input whose time is not advanced by anyone else (replay of one dnsmasq log,
// or a live feed): a line of a second the assembler has not seen goes the general way so that
// ticks and timeouts run exactly where they did. Network learning hears of the clients and
// upstreams of the lines taken here as Pipeline.dnsRecord() tells it of the records.
import type { Counters } from '../counters';
import type { LineReader } from '../host/types';
import type { DnsmasqLineParser } from '../sources/dnsmasq/parser';
import { placeholderType, queryType } from '../sources/dnsmasq/message';
import type { Transaction } from './dns-transaction';
import { MAX_ANSWERS } from './dns-transaction';
import { PID_SCALE, type TransactionAssembler } from './transactions';

/** Longer lines go the general way: names are then never cut (MAX_NAME) nor lines too long. */
const FAST_MAX = 1000;

/** Who hears of the clients and upstreams the lines name (Pipeline's network learning), as dnsRecord() tells it. */
export interface DnsLineLearner {
  sawDnsClient(client: string, port: number | undefined): void;
  sawUpstream(upstream: string): void;
}

export interface DnsFastLine {
  /** Lines read by the last drive() */
  read_: number;
  /** Takes the line when it is a common shape (true), else leaves everything as it was (false). */
  take(line: string): boolean;
  /**
   * Reads on from reader (given), taking the lines of common shapes, up to the first line it
   * does not take, which it returns (null at the end of input); read_ counts the lines read, that one
   * included. Without a reader, the same for `first` alone (null: taken). The replay's
   * loop lives here so that a line costs no call but the reader's.
   */
  drive(reader: LineReader | null, line0: string): string | null;
}

/** `new DnsFastLine(asm, parser, counters, learn?)`: a constructor function returning its object (state in closure locals). */
export const DnsFastLine = function (asm: TransactionAssembler, { framing_: framing, records_ }: DnsmasqLineParser,
  counters: Counters, learn_: DnsLineLearner | null = null): DnsFastLine {
  /** The last line's text up to its SOURCE word, when it had `SERIAL CLIENT/PORT `; '\n' never matches. */
  let lastHead = '\n';
  let lastHeadTs = 0;
  let lastHeadPid = 0;
  let lastHeadSerial = 0;
  /** `SERIAL ` after the last query's taken, and its number ('\n' never matches) */
  let lastNextSerial = '\n';
  let lastNextSerialN = 0;
  /** `stamp tag[pid]: ` of the last framed line, its time and pid */
  let prefix = '\n';
  let prefixTs = 0;
  let prefixPid = 0;

  /**
   * The open transaction (pid, serial) for a line that is not a query, made the assembler's
   * `last` and the pid's answering one ended unless it is this (take() in transactions.ts);
   * null (nothing changed) when there is none or it is finished: an orphan line, counted by
   * the general path.
   */
  const txn = (pid: number, serial: number): Transaction | null => {
    var a = asm;
    var t = a.last_;
    if (t !== null && t.serial === serial && t.pid === pid) return t.done ? null : t;
    var key = pid * PID_SCALE + serial;
    var u = a.byKey_.get(key);
    if (u === undefined || u.done) return null;
    var cur = a.answeringOf_(pid);
    if (cur !== null && cur.key !== key) a.finish_(cur);
    a.last_ = u;
    return u;
  };

  const self: DnsFastLine = {
    read_: 0,
    take: (line) => self.drive(null, line) === null,
    drive(reader, line0) {
      // (x ^ 48) > 9: x is no digit (nor NaN); (x | 32) - 97 >>> 0 < 6: a hex letter, either case
      // `var`, not let/const, throughout: qjs 2025-04 checks every read of a let/const local for
      // its temporal dead zone and resets a block's ones on each pass (~1.6k instructions a line here)
      var line = line0;
      var read = 0;
      // the state read on every line, in locals (a property read is ~120 instructions in qjs);
      // the head's and next serial's written back when drive() returns, the prefix's where it changes
      var a = asm;
      // (records.n counts the lines taken when drive() returns: those read, less one refused)
      var records = records_;
      var learn = learn_;
      var head = lastHead;
      var headLen = head.length;
      var headTs = lastHeadTs;
      var headPid = lastHeadPid;
      var headSerial = lastHeadSerial;
      var pre = prefix;
      var preTs = prefixTs;
      var prePid = prefixPid;
      // where the head's CLIENT/PORT token is when the head was read in this call (else 0: a
      // query line under an older head goes the general way)
      var clientAt = 0;
      var clientEnd = 0;
      var nextSerial = lastNextSerial;
      var nextSerialN = lastNextSerialN;
      var t: Transaction | null;
      // the transaction of the last line taken while the head has not changed since (so of this
      // line's pid and serial, and the assembler's last_, unless finished since), else null
      var cur: Transaction | null = null;
      // the line was a query or changed transaction (txn_()): it may have finished one
      var sw = false;
      var al: Transaction[];
      var out: string | null = null;
      exit: for (;;) {
        if (reader !== null) {
          var next = reader.next();
          if (next === null) {
            records.n += read;
            break exit;
          }
          line = next;
          read++;
        }
        taken: {
          refuse: {
            var end = line.length;
            if (end > FAST_MAX) break refuse;
            var p: number;
            var pid: number;
            var serial: number;
            var ts: number;
            // (a line that is all head or prefix has NaN where its message starts: refused below)
            if (line.startsWith(head)) {
              p = headLen;
              ts = headTs;
              pid = headPid;
              serial = headSerial;
            } else {
              cur = null;
              if (line.startsWith(pre)) {
                p = pre.length;
                ts = preTs;
                pid = prePid;
              } else {
                if (line.charCodeAt(end - 1) === 13 || !framing.frame(line, end)) break refuse;
                p = framing.start;
                ts = framing.ts;
                pid = framing.pid;
                prefix = pre = line.slice(0, p);
                prefixTs = preTs = ts;
                prefixPid = prePid = pid;
              }
              // A new second: the general path runs the ticks that come with it.
              if (!(ts <= a.lastTs_)) break refuse;
              // `SERIAL CLIENT/PORT ` as message.ts reads it (no `TCP `/`UDP ` prefix here).
              if (nextSerialN !== 0 && line.startsWith(nextSerial, p)) {
                // dnsmasq numbers queries in order: mostly the one after the last query's
                serial = nextSerialN;
                var sp = p + nextSerial.length - 1;
              } else {
                var c = line.charCodeAt(p);
                if ((c ^ 48) > 9) break refuse;
                sp = line.indexOf(' ', p);
                if (sp < 0 || sp + 1 >= end || sp - p > 10) break refuse;
                c = line.charCodeAt(sp - 1);
                if ((c ^ 48) > 9) break refuse;
                serial = +line.slice(p, sp);
                if (serial >>> 0 !== serial) break refuse;
              }
              c = line.charCodeAt(sp + 1);
              if (!((c ^ 48) < 11 || (c | 32) - 97 >>> 0 < 6)) break refuse;
              var ce = line.indexOf(' ', sp + 1);
              if (ce < 0 || ce >= end) break refuse;
              c = line.charCodeAt(ce - 1);
              if ((c ^ 48) > 9) break refuse;
              p = ce + 1;
              head = line.slice(0, p);
              headLen = p;
              headTs = ts;
              headPid = pid;
              headSerial = serial;
              clientAt = sp + 1;
              clientEnd = ce;
            }
            var c = line.charCodeAt(p);
            var q: number;
            // the event's `source` for the line's SOURCE word (as dns-transaction.ts applyAnswer() sets it)
            var origin: 'forwarded' | 'cached' | 'config' | 'hosts' | 'stale';
            if (c === 114 /* r */) {
              if (!line.startsWith('reply ', p)) break refuse;
              q = p + 6;
              origin = 'forwarded';
            } else if (c === 99 /* c */) {
              if (line.startsWith('cached ', p)) {
                origin = 'cached';
                q = p + 7;
              } else if (line.startsWith('config ', p)) {
                origin = 'config';
                q = p + 7;
              } else if (line.startsWith('cached-stale ', p)) {
                origin = 'stale';
                q = p + 13;
              } else {
                break refuse;
              }
            } else if (c === 113 /* q */) {
              // `query[T] NAME from CLIENT` (message.ts query(), transactions.ts take())
              var close: number;
              var qtype: string;
              // the commonest types by a compare in place (no scan, no slice)
              if (line.startsWith('query[A] ', p)) {
                close = p + 7;
                qtype = 'A';
              } else if (line.startsWith('query[AAAA] ', p)) {
                close = p + 10;
                qtype = 'AAAA';
              } else {
                if (!line.startsWith('query[', p)) break refuse;
                q = p + 6;
                close = line.indexOf('] ', q);
                // the rarer types as message.ts reads them (a call, on a query in seven)
                if (close < 0 || close >= end || (qtype = queryType(line, q, close)) === '') break refuse;
              }
              var from = line.lastIndexOf(' from ', end - 6);
              if (from < close + 1) break refuse;
              var slash = line.lastIndexOf('/', clientEnd - 1);
              if (slash <= clientAt || clientEnd - slash > 11) break refuse;
              // digits at both ends (the last one checked with the head), as message.ts decimal()
              var d = line.charCodeAt(slash + 1);
              if ((d ^ 48) > 9) break refuse;
              var port = +line.slice(slash + 1, clientEnd);
              if (!(port <= 65535) || port >>> 0 !== port) break refuse;
              var qname = line.slice(close + 2, from);
              var client = line.slice(clientAt, slash);
              if (learn !== null) learn.sawDnsClient(client, port);
              // (open_() ends the pid's answering transaction and one of a reused serial, as push() does)
              cur = a.open_(pid * PID_SCALE + serial, pid, serial, ts, client, port, qname, qtype, false);
              sw = true;
              if (serial < 4294967295) {
                nextSerialN = serial + 1;
                nextSerial = nextSerialN + ' ';
              }
              break taken;
            } else if (c === 102 /* f */) {
              // `forwarded NAME to UPSTREAM`: UPSTREAM behind the last ` to ` (as message.ts sent())
              if (!line.startsWith('forwarded ', p) || line.charCodeAt(end - 1) === 13) break refuse;
              var sp = line.lastIndexOf(' to ', end - 4) + 3;
              if (sp + 1 >= end || sp - 3 < p + 9) break refuse;
              t = cur !== null && !cur.done ? cur : (sw = true, txn(pid, serial));
              if (t === null) break refuse;
              var up = line.slice(sp + 1, end);
              if (learn !== null) learn.sawUpstream(up);
              t.upstream = up;
              cur = t;
              break taken;
            } else if (c === 47 /* / */) {
              // a hosts-file path (message.ts body())
              var sp = line.indexOf(' ', p);
              if (sp < 0 || sp >= end) break refuse;
              q = sp + 1;
              origin = 'hosts';
            } else {
              break refuse;
            }
            // `NAME is DATA`: the first ` is ` (message.ts answer()). DATA runs to the line's end: a
            // `)` (signed, EDE) or CR there goes the general way.
            var is = line.indexOf(' is ', q - 1);
            if (is <= q) break refuse;
            var da = is + 4;
            var n = end - da;
            var first = line.charCodeAt(da);
            /** 0 an answer, 1 NXDOMAIN, 2 NODATA */
            var neg = 0;
            var type = '';
            var data: string | null = null;
            if (first === 60 /* < */) {
              // `<CNAME>`, else message.ts placeholderType() (`<MX>`, `<type=65>`; a call: rarer)
              type = n === 7 && line.startsWith('CNAME>', da + 1) ? 'CNAME' : placeholderType(line, da, end);
              if (type === '') break refuse;
            } else if (first === 78 /* N */) {
              if (n === 8 && line.startsWith('NXDOMAIN', da)) {
                neg = 1;
              } else if (n === 6 && line.startsWith('NODATA', da)) {
                neg = 2;
              } else if (n === 11 && line.startsWith('NODATA-IPv', da) && (line.charCodeAt(end - 1) === 52 || line.charCodeAt(end - 1) === 54)) {
                neg = 2;
              } else {
                break refuse;
              }
            } else if (first >= 103 && first <= 122 && first !== 110 && first !== 116) {
              // a TXT string (message.ts answer(): DATA that is no address, placeholder, negative, rcode,
              // `truncated` or DNSSEC word) under a NAME that is no address (else a reverse answer)
              var c = line.charCodeAt(q);
              var last = line.charCodeAt(end - 1);
              if (last === 41 /* ) */ || last === 13 || (c ^ 48) < 11 ||
                ((c | 32) - 97 >>> 0 < 6 && line.lastIndexOf(':', is) >= q)) break refuse;
              type = 'TXT';
              data = line.slice(da, end);
            } else {
              // message.ts addressType()
              if (n < 2 || n > 45 || line.indexOf(' ', da) >= 0) break refuse;
              var last = line.charCodeAt(end - 1);
              if (line.indexOf(':', da) >= 0) {
                if (!((first ^ 48) < 11 || (first | 32) - 97 >>> 0 < 6) || !((last ^ 48) < 11 || (last | 32) - 97 >>> 0 < 6)) break refuse;
                type = 'AAAA';
              } else {
                if ((first ^ 48) > 9 || (last ^ 48) > 9 || n < 7 || !(line.indexOf('.', da) > da)) break refuse;
                type = 'A';
              }
              data = line.slice(da, end);
            }
            // the next line of the last line's transaction (most answers) without a call
            t = cur !== null && !cur.done ? cur : (sw = true, txn(pid, serial));
            if (t === null) break refuse;
            cur = t;
            var name = line.slice(q, is);
            // dns-transaction.ts applyAnswer() for an answer, nxdomain or nodata record
            // (an open transaction is listed as answering from its first answer on: listed is answered,
            // and its source is then undefined, or 'local' for auth)
            if (!t.listed) {
              t.listed = true;
              t.answered = true;
              if (t.source === undefined) t.source = origin;
              al = a.answering_;
              al[al.length] = t;
            }
            t.lastTs = ts;
            var list = t.ans;
            if (t.cnameAt >= 0) {
              list[t.cnameAt] = name;
              t.cnameAt = -1;
            }
            if (neg === 1) {
              t.rcode = 'NXDOMAIN';
              if (origin === 'config') t.blocked = true;
            } else {
              if (t.rcode === undefined) t.rcode = 'NOERROR';
              var k = list.length;
              if (neg === 2) {
                // NODATA: no answer
              } else if (k >= MAX_ANSWERS * 3) {
                counters.drop('dns.answers_capped', 1, t.qname);
              } else {
                // (numbers compared first: comparing strings is a slow path in qjs)
                if (first === 60 && type === 'CNAME') t.cnameAt = k + 2;
                list[k] = name;
                list[k + 1] = type;
                list[k + 2] = data;
                if ((n === 7 || n === 2) && (origin === 'config' || origin === 'hosts') && (data === '0.0.0.0' || data === '::')) t.blocked = true;
              }
            }
            break taken;
          }
          // refused
          if (read > 1) records.n += read - 1;
          out = line;
          break exit;
        }
        if (sw) {
          sw = false;
          if (a.finished_) a.drain_();
        }
        if (reader === null) {
          records.n++;
          break exit;
        }
      }
      self.read_ = read;
      lastHead = head;
      lastHeadTs = headTs;
      lastHeadPid = headPid;
      lastHeadSerial = headSerial;
      lastNextSerial = nextSerial;
      lastNextSerialN = nextSerialN;
      return out;
    },
  };
  return self;
} as unknown as new (asm: TransactionAssembler, parser: DnsmasqLineParser, counters: Counters, learn?: DnsLineLearner | null) => DnsFastLine;

