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

type Finish = (t: Transaction) => void;

export class ClassicMatcher {
  /** `${pid} ${qname}` -> unanswered transactions, oldest first */
  private readonly byName_ = new Map<string, Transaction[]>();
  /** pid -> transaction whose answer burst is being printed */
  private readonly current_ = new Map<number, Transaction>();
  /** pid -> DNSSEC status announced for the next burst */
  private readonly pendingDnssec_ = new Map<number, string>();

  private readonly counters_: Counters;

  constructor(counters_: Counters) {
    this.counters_ = counters_;
  }

  add(t: Transaction): void {
    const k = `${t.pid} ${t.qname}`;
    const list = this.byName_.get(k);
    if (list === undefined) this.byName_.set(k, [t]);
    else list.push(t);
  }

  /** t is finished or answered: it takes no more matching. */
  remove(t: Transaction): void {
    if (this.current_.get(t.pid) === t) this.current_.delete(t.pid);
    this.unlist_(t);
  }

  private unlist_(t: Transaction): void {
    const k = `${t.pid} ${t.qname}`;
    const list = this.byName_.get(k);
    if (list === undefined) return;
    const i = list.indexOf(t);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.byName_.delete(k);
  }

  /** A line from pid that does not continue the current burst ends it. */
  lineFrom(pid: number, finish: Finish): void {
    const cur = this.current_.get(pid);
    if (cur !== undefined) finish(cur);
  }

  tick(nowSec: number, grace: number, finish: Finish): void {
    for (const t of this.current_.values()) if (nowSec - t.lastTs >= grace) finish(t);
  }

  push(rec: DnsLogRecord, finish: Finish, queue: Transaction[], head: number): void {
    const pid = rec.pid;
    const kind = rec.kind;
    if (kind === 'forwarded' || kind === 'validation' || kind === 'dnssec') {
      // not an answer: it ends the current burst
      this.lineFrom(pid, finish);
      if (kind === 'validation') {
        if (rec.status !== undefined) this.pendingDnssec_.set(pid, rec.status);
      } else if (kind === 'forwarded') {
        const list = this.byName_.get(`${pid} ${rec.name}`);
        const t = list?.find((x) => x.upstream === undefined) ?? list?.[0];
        if (t === undefined) this.counters_.drop('dns.orphan_line', 1, `classic forwarded ${rec.name}`);
        else t.upstream = rec.upstream;
      }
      return;
    }
    const cur = this.current_.get(pid);
    if (cur !== undefined && !cur.done && this.continues_(cur, rec)) {
      applyAnswer(cur, rec, this.counters_);
      return;
    }
    if (cur !== undefined) finish(cur);
    const t = this.match_(rec, queue, head);
    if (t === undefined) {
      this.counters_.drop('dns.orphan_line', 1, `classic ${kind} ${rec.name}`);
      return;
    }
    this.unlist_(t);
    const status = this.pendingDnssec_.get(pid);
    if (status !== undefined) {
      this.pendingDnssec_.delete(pid);
      setDnssec(t, status);
    }
    applyAnswer(t, rec, this.counters_);
    this.current_.set(pid, t);
  }

  private continues_(cur: Transaction, rec: DnsLogRecord): boolean {
    const k = rec.kind;
    if (k !== 'answer' && k !== 'nxdomain' && k !== 'nodata') return false;
    if (cur.cnameAt >= 0) return true;
    if (rec.name !== cur.lastName || rec.name === '') return false;
    // Same owner, but an A record does not continue an AAAA answer: that is the next reply.
    const want = wantedType(rec);
    return want === '' || want === cur.qtype || cur.qtype === 'ANY';
  }

  private match_(rec: DnsLogRecord, queue: Transaction[], head: number): Transaction | undefined {
    if (rec.name === '' || rec.kind === 'rcode' && rec.origin === 'reply') {
      // Nameless upstream outcome: the oldest forwarded, unanswered query of this pid.
      let fallback: Transaction | undefined;
      for (let i = head; i < queue.length; i++) {
        const t = queue[i];
        if (t.serial >= 0 || t.pid !== rec.pid || t.done || t.answered) continue;
        if (t.upstream !== undefined) return t;
        if (fallback === undefined) fallback = t;
      }
      return fallback;
    }
    const name = rec.reverse === true ? reverseName(rec.name) : rec.name;
    const list = this.byName_.get(`${rec.pid} ${name}`);
    if (list === undefined || list.length === 0) return undefined;
    const want = wantedType(rec);
    const newest = rec.origin !== 'reply';
    let first: Transaction | undefined;
    for (let j = 0; j < list.length; j++) {
      const t = list[newest ? list.length - 1 - j : j];
      if (t.answered || t.done) continue;
      if (want === '' || t.qtype === want) return t;
      if (first === undefined) first = t;
    }
    return first;
  }
}

/** The query type an answer line most likely answers, or '' when any could. */
function wantedType(rec: DnsLogRecord): string {
  if (rec.kind === 'nodata') return rec.data === 'IPv4' ? 'A' : rec.data === 'IPv6' ? 'AAAA' : '';
  if (rec.kind !== 'answer' || rec.rtype === 'CNAME') return '';
  return rec.rtype ?? '';
}
