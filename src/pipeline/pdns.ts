// Passive DNS: folds the answers of `dns` events into COF records (draft-dulaunoy-dnsop-passive-
// dns-cof: rrname, rrtype, rdata, time_first, time_last, count) per aggregation window, so a site
// can ship one record per distinct answer instead of one event per query.
//
// Decisions (docs/wire-format.md lists them for collectors):
// - One record per (rrname, rrtype, rdata set) per window; the set is the answer's values for
//   that name and type, sorted and without repeats, so round-robin reordering does not split it.
// - A CNAME chain yields one CNAME record per link (rdata = the next name), then the final rrset.
// - Answers whose data the resolver log does not carry (data null, e.g. <MX>, <HTTPS>) are not
//   recorded: COF has no "unknown rdata" and an empty rdata would mislead. Counted.
// - Sinkholed answers (blocked) and non-NOERROR replies carry no real data: skipped, counted.
// - time_first/time_last are whole seconds (COF), floored from the events' ts.
// - The table is bounded: when it is full the window is flushed early (nothing is lost, only
//   aggregation is shorter), counted as pdns_early_flush.
//
// Memory: a record is its grouping key (name \0 type \0 values joined by \0, one string that is
// also where the record's text is read back from at flush) and four numbers in a typed array;
// the event is built only when it is emitted. ~160 B a record under qjs, against ~700 B for an
// event object with its rdata array and a Map entry. When the NDJSON sink is the only consumer
// (lines_), a clean key's line is written straight from the key and numbers, without an event.
//
// Answers come flat (name, type, data of each), as a transaction holds them: the pipeline feeds
// each finished transaction before its `dns` line or event is made.
import type { PdnsEvent } from '../events';
import type { Counters } from '../counters';
import { errorText } from '../compat/lang';
import { encodePdnsKey, uri } from '../codec/ndjson';

export interface PassiveDnsDeps {
  sensor: string;
  counters: Counters;
  emit: (ev: PdnsEvent) => void;
  /** Aggregation window, default 3600 s, measured in tick() time. */
  windowSec?: number;
  /** Records held at once, default 20000. */
  maxRecords?: number;
}

export interface PassiveDns {
  /**
   * The NDJSON sink when it is the only consumer of `pdns` events (the pipeline sets it): flush
   * then writes most records' lines straight from the table, without event objects.
   */
  lines_: { emitLine(type: string, line: string): void } | null;
  /**
   * One transaction's answers, flat (name, type, data of each), with the transaction's ts and
   * whether it was blocked and its rcode (the `dns` event's fields).
   */
  learnAnswers(ts: number, ans: readonly (string | null)[], blocked: boolean, rcode: string | undefined): void;
  /** Ends the window when windowSec has passed since it began; call about once a second. */
  tick(nowSec: number): void;
  /** Emits every record, in the order they were made, and starts an empty window. */
  flush(): void;
  size(): number;
}

/** `new PassiveDns(deps)`: a constructor function returning its object (state in closure locals). */
export const PassiveDns = function ({ sensor, counters, emit, windowSec = 3600, maxRecords: max = 20000 }: PassiveDnsDeps): PassiveDns {
  /**
   * Grouping key → record number, in a null-prototype object rather than a Map: qjs keeps its
   * keys as atoms (the key string itself), ~50 B an entry against ~85 B for a Map entry, and the
   * lookup is cheaper. Keys always hold a NUL, so none is an array index nor `__proto__`, and
   * for-in gives them in insertion order: record order.
   */
  let index = Object.create(null) as Record<string, number>;
  let count = 0;
  /**
   * Four numbers a record: time_first, time_last, count and how many values its rdata has (the
   * last parts of its key split at NULs). Int32 (half the bytes; qjs reads them back as small
   * integers, cheap to compare and print) until a time or count does not fit (2038 on):
   * doubles from then on, exact whatever the clock says.
   */
  let recs: Int32Array | Float64Array = new Int32Array(0);
  /** Fields of the records whose key cannot be read back (a NUL inside a value or the type). */
  let odd: [string, string, string[]][] | null = null;
  let windowStart = -1;
  // Scratch, reused per transaction (allocations show under qjs).
  /** Start slot of each run of answers sharing (name, type), and the end of the last run. */
  const runs: number[] = [];
  /** The values of one run, deduplicated and sorted, before they become a record's rdata. */
  const vals: string[] = [];

  /** The records' numbers as doubles (from now on). */
  const wide = (): Float64Array => recs instanceof Float64Array ? recs : (recs = new Float64Array(recs));

  /**
   * ans with each (name, type)'s answers together, in the order of its first answer with data;
   * answers without data are counted and left out.
   */
  const regroup = (ans: readonly (string | null)[]): (string | null)[] => {
    const g: (string | null)[] = [];
    for (let i = 0; i < ans.length; i += 3) {
      if (ans[i + 2] == null) {
        counters.inc('pdns_rdata_unknown');
        continue;
      }
      let j = 0;
      while (j < g.length && !(g[j] === ans[i] && g[j + 1] === ans[i + 1])) j += 3;
      if (j < g.length) continue; // its group is in
      for (j = i; j < ans.length; j += 3) {
        if (ans[j] === ans[i] && ans[j + 1] === ans[i + 1] && ans[j + 2] != null) g.push(ans[j], ans[j + 1], ans[j + 2]);
      }
    }
    return g;
  };

  /** Records the answers in slots [from, to) of one (name, type) at second t. */
  const learnRun = (ans: readonly (string | null)[], from: number, to: number, t: number): void => {
    // var: qjs checks every read of a let/const local for its dead zone (per run of answers here)
    var name = ans[from] as string;
    var type = ans[from + 1] as string;
    var d = ans[from + 2];
    var vs: string[] | null = null;
    var key: string;
    if (to - from === 3) {
      // The common case: one record, no set to build.
      if (d == null) {
        counters.inc('pdns_rdata_unknown');
        return;
      }
      key = name + '\u0000' + type + '\u0000' + d;
    } else {
      vs = vals;
      vs.length = 0;
      for (var i = from + 2; i < to; i += 3) {
        d = ans[i];
        if (d == null) counters.inc('pdns_rdata_unknown');
        else if (vs.indexOf(d) < 0) vs[vs.length] = d;
      }
      if (vs.length === 0) return;
      if (vs.length > 1) vs.sort();
      key = name + '\u0000' + type + '\u0000' + vs.join('\u0000');
    }
    var r = index[key];
    var rec = recs;
    if (r !== undefined) {
      i = r * 4;
      if (rec[i + 2] === 0x7fffffff) rec = wide();
      if (t < rec[i]) rec[i] = t;
      if (t > rec[i + 1]) rec[i + 1] = t;
      rec[i + 2] += 1; // no ++: a post-increment whose value may be used is a slow call in qjs
      return;
    }
    // A new record, seen once at t (inline: a call is dear in qjs); the table flushes first when full.
    if (count >= max) {
      counters.inc('pdns_early_flush');
      self.flush();
      rec = recs; // flush let go of the numbers
    }
    r = count;
    count = r + 1; // no ++: see above
    i = r * 4;
    if (i >= rec.length) {
      // room for 1,024 more (not doubling: little stays unused; a window's few records do not
      // hold 64 kB through a long quiet spell)
      rec = sameKind(rec, Math.max(r + 1, Math.min(max, r + 1024)) * 4);
      rec.set(recs);
      recs = rec;
    }
    index[key] = r;
    rec[i] = rec[i + 1] = t;
    rec[i + 2] = 1;
    // A clean key (no escaping, no NUL but the separators; writePdns in codec/ndjson.ts has the
    // test) is written as it is at flush, and nothing in it can split wrongly. Its fourth number
    // is then nv | rrtype length << 8 | rrname length << 16, where they fit (where the parts are,
    // for encodePdnsKey); else, or when not clean, -nv.
    var nv = vs === null ? 1 : vs.length;
    var clean = false;
    try {
      clean = uri(key).length === key.length + 2 * (nv + 1);
    } catch {
      // a lone surrogate
    }
    rec[i + 3] = clean && nv < 256 && type.length < 256 && name.length < 32768 ? nv | type.length << 8 | name.length << 16 : -nv;
    if (clean) return;
    // A NUL inside a value or the type would split it at flush (one in rrname is found there).
    vs = vs === null ? [d as string] : vs.slice();
    var isOdd = type.indexOf('\u0000') >= 0;
    for (var k = 0; k < nv && !isOdd; k++) isOdd = vs[k].indexOf('\u0000') >= 0;
    if (isOdd) (odd ??= [])[r] = [name, type, vs];
  };

  const self: PassiveDns = {
    lines_: null,
    learnAnswers(ts, ans, blocked, rcode) {
      // var: qjs checks every read of a let/const local for its dead zone (once per dns event here)
      var n = ans.length;
      if (n === 0) return;
      if (blocked) return counters.inc('pdns_skipped_blocked');
      if (rcode !== undefined && rcode !== 'NOERROR') return;
      // Resolvers list a (name, type)'s records together (CNAME links, then the final rrset), so
      // the groups are runs of neighbours. Find the runs; a (name, type) that comes back after
      // another run needs regrouping first (rare).
      runs.length = 0;
      var name: string | null = '';
      var type: string | null = '';
      for (var i = 0; i < n; i += 3) {
        if (i > 0 && ans[i] === name && ans[i + 1] === type) continue;
        name = ans[i];
        type = ans[i + 1];
        for (var r = 0; r < runs.length; r++) {
          var j = runs[r];
          if (ans[j] === name && ans[j + 1] === type) return self.learnAnswers(ts, regroup(ans), false, undefined);
        }
        runs[runs.length] = i;
      }
      runs[runs.length] = n;
      var t = Math.floor(ts);
      if ((t | 0) !== t) wide();
      for (r = 0; r + 1 < runs.length; r++) learnRun(ans, runs[r], runs[r + 1], t);
    },
    tick(nowSec) {
      if (windowStart < 0) windowStart = nowSec;
      else if (nowSec - windowStart >= windowSec) {
        self.flush();
        windowStart = nowSec;
      }
    },
    flush() {
      const idx = index;
      const n = count;
      const o = odd;
      const rec = recs;
      index = Object.create(null) as Record<string, number>;
      count = 0;
      odd = null;
      // the next window grows its own, 1,024 records at a time: a full window's numbers (128 kB)
      // are not held through a quieter one
      recs = sameKind(rec, 0);
      const lines = self.lines_;
      // var: qjs checks every read of a let/const local for its dead zone (once per record here)
      var i = 0;
      for (var key in idx) {
        var nv = rec[i + 3];
        var f = rec[i];
        var last = rec[i + 1];
        var c = rec[i + 2];
        var held = o?.[i / 4];
        i += 4;
        try {
          if (lines !== null && nv > 0) {
            // a clean key (see learnRun): written as it is
            lines.emitLine('pdns', encodePdnsKey(key, nv >> 16, nv >> 8 & 255, nv & 255, f, last, c, sensor));
            continue;
          }
          // rrname, rrtype, the values: rrname is more than one part when it holds a NUL
          const parts = key.split('\u0000');
          const k = parts.length - (nv < 0 ? -nv : nv & 255);
          emit({
            type: 'pdns', ts: last, sensor,
            rrname: held ? held[0] : parts.slice(0, k - 1).join('\u0000'),
            rrtype: held ? held[1] : parts[k - 1],
            rdata: held ? held[2] : parts.slice(k),
            time_first: f, time_last: last, count: c, sensor_id: sensor,
          });
        } catch (e) {
          // as Pipeline.out_: a sink's failure is counted
          counters.drop(lines !== null && nv > 0 ? 'sink_error_pdns' : 'pdns_emit_failed', 1, errorText(e));
        }
      }
      counters.inc('pdns_records', n);
    },
    size: () => count,
  };
  return self;
} as unknown as new (deps: PassiveDnsDeps) => PassiveDns;

/** A zeroed array of n numbers of the same kind as `a` (Int32 until the records went wide). */
function sameKind(a: Int32Array | Float64Array, n: number): Int32Array | Float64Array {
  return new (a.constructor as Int32ArrayConstructor)(n);
}
