// Classic mode (plain --log-queries): lines carry no serial and no client port, so the lines of
// concurrent queries can only be tied together by name. This is the best honest assembly:
//
// - A query line opens a transaction, queued per (pid, qname), oldest first.
// - `forwarded NAME` goes to the oldest open query of NAME not yet forwarded (else the oldest
//   unanswered one: a retry).
// - An answer burst starts at an answer line that does not continue the current burst. Its
//   NAME (for a reverse answer, the arpa name of the address) picks the transaction:
//   `reply` lines go to the OLDEST unanswered query of that name (upstream answers come back
//   roughly in order), cache/config/hosts/DHCP lines to the NEWEST (dnsmasq answers those
//   right after printing the query line). Among those, a query whose type fits the answer
//   wins (IPv4 -> A, IPv6 -> AAAA, PTR, TXT, `<MX>` -> MX, NODATA-IPv4 -> A ...), so the A and
//   AAAA queries a browser sends together are not swapped.
// - A line continues the current burst when the previous line was `<CNAME>` (the chain goes on
//   with the target's name) or repeats the previous line's name with a record type that fits
//   the query (several records; an A line after an AAAA answer is the next reply's).
// - `reply error is REFUSED` and `reply is truncated` name nothing: they go to the oldest
//   forwarded, unanswered query of that pid.
// - `validation ... is STATUS` precedes the reply lines it judged: it is kept for the next burst.
//
// Limits: two queries for the same name and type in flight at once may get each other's
// answers (the content is the same name's answer, but the client may be swapped); a query
// dnsmasq merged into an in-flight one gets no lines and times out complete:false; an
// upstream error can be given to the wrong query when several are forwarded; a CNAME chain
// whose last line is `<CNAME>` cannot be told from the next burst if that names the target.
import type { Counters } from '../counters';
import type { DnsLogRecord } from '../sources/dnsmasq/record';
import { applyAnswer, setDnssec, type Transaction } from './dns-transaction';
import { reverseName } from './dns-reverse-name';

export interface ClassicMatcher {
  add(t: Transaction): void;
  /** t is finished or answered: it takes no more matching. */
  remove(t: Transaction): void;
  /** A line from pid that does not continue the current burst ends it. */
  lineFrom(pid: number): void;
  tick(nowSec: number, grace: number): void;
  /** An answer-side, forwarded, validation or dnssec line; queue[head..] are the held transactions in query order. */
  push(rec: DnsLogRecord, queue: Transaction[], head: number): void;
}

/** `new ClassicMatcher(counters, finish)`: a constructor function returning its object (state in closure locals). */
export const ClassicMatcher = function (counters: Counters, finish: (t: Transaction) => void): ClassicMatcher {
  /** `${pid} ${qname}` -> unanswered transactions, oldest first */
  const byName = new Map<string, Transaction[]>();
  /** pid -> transaction whose answer burst is being printed */
  const current = new Map<number, Transaction>();
  /** pid -> DNSSEC status announced for the next burst */
  const pendingDnssec = new Map<number, string>();

  const unlist = (t: Transaction): void => {
    const k = `${t.pid} ${t.qname}`;
    const list = byName.get(k);
    if (list === undefined) return;
    const i = list.indexOf(t);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) byName.delete(k);
  };

  const lineFrom = (pid: number): void => {
    const cur = current.get(pid);
    if (cur !== undefined) finish(cur);
  };

  const orphan = (what: string): void => counters.drop('dns.orphan_line', 1, `classic ${what}`);

  const match = (rec: DnsLogRecord, queue: Transaction[], head: number): Transaction | undefined => {
    if (rec.name === '' || (rec.kind === 'rcode' && rec.origin === 'reply')) {
      // Nameless upstream outcome: the oldest forwarded, unanswered query of this pid.
      let fallback: Transaction | undefined;
      for (let i = head; i < queue.length; i++) {
        const t = queue[i];
        if (t.serial >= 0 || t.pid !== rec.pid || t.done || t.answered) continue;
        if (t.upstream !== undefined) return t;
        fallback ??= t;
      }
      return fallback;
    }
    const list = byName.get(`${rec.pid} ${rec.reverse ? reverseName(rec.name) : rec.name}`);
    if (list === undefined) return undefined;
    const want = wantedType(rec);
    const newest = rec.origin !== 'reply';
    let first: Transaction | undefined;
    for (let j = 0; j < list.length; j++) {
      const t = list[newest ? list.length - 1 - j : j];
      if (t.answered || t.done) continue;
      if (want === '' || t.qtype === want) return t;
      first ??= t;
    }
    return first;
  };

  return {
    add(t) {
      const k = `${t.pid} ${t.qname}`;
      const list = byName.get(k);
      if (list === undefined) byName.set(k, [t]);
      else list.push(t);
    },
    remove(t) {
      if (current.get(t.pid) === t) current.delete(t.pid);
      unlist(t);
    },
    lineFrom,
    tick(nowSec, grace) {
      for (const t of current.values()) if (nowSec - t.lastTs >= grace) finish(t);
    },
    push(rec, queue, head) {
      const pid = rec.pid;
      const kind = rec.kind;
      if (kind === 'forwarded' || kind === 'validation' || kind === 'dnssec') {
        // not an answer: it ends the current burst
        lineFrom(pid);
        if (kind === 'validation') {
          if (rec.status !== undefined) pendingDnssec.set(pid, rec.status);
        } else if (kind === 'forwarded') {
          const list = byName.get(`${pid} ${rec.name}`);
          const t = list?.find((x) => x.upstream === undefined) ?? list?.[0];
          if (t === undefined) orphan(`forwarded ${rec.name}`);
          else t.upstream = rec.upstream;
        }
        return;
      }
      const cur = current.get(pid);
      let want: string;
      // An answer line continues the current burst after a `<CNAME>`, or with the same owner and
      // a type that fits (an A record does not continue an AAAA answer: that is the next reply).
      if (cur !== undefined && !cur.done && (kind === 'answer' || kind === 'nxdomain' || kind === 'nodata') &&
        (cur.cnameAt >= 0 || (rec.name === cur.lastName && rec.name !== '' &&
          ((want = wantedType(rec)) === '' || want === cur.qtype || cur.qtype === 'ANY')))) {
        applyAnswer(cur, rec, counters);
        return;
      }
      if (cur !== undefined) finish(cur);
      const t = match(rec, queue, head);
      if (t === undefined) return orphan(`${kind} ${rec.name}`);
      unlist(t);
      const status = pendingDnssec.get(pid);
      if (status !== undefined) {
        pendingDnssec.delete(pid);
        setDnssec(t, status);
      }
      applyAnswer(t, rec, counters);
      current.set(pid, t);
    },
  };
} as unknown as new (counters: Counters, finish: (t: Transaction) => void) => ClassicMatcher;

/** The query type an answer line most likely answers, or '' when any could. */
function wantedType(rec: DnsLogRecord): string {
  if (rec.kind === 'nodata') return rec.data === 'IPv4' ? 'A' : rec.data === 'IPv6' ? 'AAAA' : '';
  if (rec.kind !== 'answer' || rec.rtype === 'CNAME') return '';
  return rec.rtype ?? '';
}
