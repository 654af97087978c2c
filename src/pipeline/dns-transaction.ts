// One DNS transaction being assembled from dnsmasq log records, and how an answer line
// changes it. Shared by the extra-mode (serial) and classic (name-matching) assemblers.
import type { Counters } from '../counters';
import type { DnsLogRecord } from '../sources/dnsmasq/record';
import { reverseName } from './dns-reverse-name';
import type { DnsLineSource } from '../codec/ndjson';

/** Answers kept per transaction; more are counted `dns.answers_capped`. */
export const MAX_ANSWERS = 64;

/**
 * The fields a `dns` line is written from (DnsLineSource: ts, client, clientPort, qname, qtype,
 * source, upstream, rcode, ans, blocked, dnssec, serial, answered) plus the assembly state.
 */
export interface Transaction extends DnsLineSource {
  /** pid * 2^32 + serial (extra mode) while the assembler's map holds it under that key, else -1 (or 0: classic) */
  key: number;
  pid: number;
  /** time of the last line taken */
  lastTs: number;
  /**
   * The answers in order, flat: name, type, data of each (three slots per answer; an object
   * per answer costs ~3,400 instructions in qjs, three slots ~1,100). dns-event.ts answersOf()
   * makes the event's objects.
   */
  ans: (string | null)[];
  /** slot in `ans` of the data of a CNAME answer whose target is the next answer's name, or -1 */
  cnameAt: number;
  /** no more lines are taken; emitted when its turn in query order comes */
  done: boolean;
  /** in the assembler's per-pid list of transactions whose answer is being printed */
  listed: boolean;
  /** name of the last answer line as logged (classic mode continues a burst by it) */
  lastName: string;
}

/** A validation line's status, kept when it is one the event carries. */
export function setDnssec(t: Transaction, status: string | undefined): void {
  if (status === 'SECURE' || status === 'INSECURE' || status === 'BOGUS' || status === 'ABANDONED') t.dnssec = status;
}

/** Takes one answer-side record (answer, nxdomain, nodata, rcode, truncated, duplicate). */
export function applyAnswer(t: Transaction, rec: DnsLogRecord, counters: Counters): void {
  const origin = rec.origin ?? 'reply';
  if (!t.answered) {
    t.answered = true;
    // the event's `source`: the origin's own name but for these two
    if (t.source !== 'local') t.source = origin === 'reply' ? 'forwarded' : origin === 'auth' ? 'local' : origin;
  }
  t.lastTs = rec.ts;
  const kind = rec.kind;
  if (kind === 'answer' || kind === 'nxdomain' || kind === 'nodata') {
    // The owner of a reverse answer is the arpa name, not the address dnsmasq prints.
    const name = rec.reverse === true ? reverseName(rec.name) || rec.name : rec.name;
    if (t.cnameAt >= 0) {
      t.ans[t.cnameAt] = name; // <CNAME> lines say "is a CNAME"; its target is next
      t.cnameAt = -1;
    }
    t.lastName = rec.name;
    if (kind === 'nxdomain') {
      t.rcode = 'NXDOMAIN';
      if (origin === 'config') t.blocked = true;
      return;
    }
    if (t.rcode === undefined) t.rcode = 'NOERROR';
    if (kind === 'nodata') return;
    const list = t.ans;
    const k = list.length;
    if (k >= MAX_ANSWERS * 3) {
      counters.drop('dns.answers_capped', 1, t.qname);
      return;
    }
    const type = rec.rtype ?? 'TYPE0';
    if (type === 'CNAME') t.cnameAt = k + 2;
    list[k] = name;
    list[k + 1] = type;
    list[k + 2] = rec.data === undefined ? null : rec.data;
    // a sinkhole: `address=/ads.test/0.0.0.0` style config, or a blocklist hosts file
    if ((origin === 'config' || origin === 'hosts') && (rec.data === '0.0.0.0' || rec.data === '::')) t.blocked = true;
    return;
  }
  if (kind === 'rcode') {
    t.rcode = rec.rcode;
  }
  // truncated / duplicate: the client got an answer this log does not show.
}
