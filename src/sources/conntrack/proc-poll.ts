// The fallback when the `conntrack` tool is missing: read /proc/net/nf_conntrack now and then
// and diff successive snapshots. Pure pieces here; live.ts does the reading and timing.
//
// What polling cannot see: flows that start and end between two polls, and exact start/end
// times (a start comes from delta-time when the kernel stamps flows, else the poll that first
// saw it; an end is the poll that first missed it). The events path has neither limit.

import type { Counters } from '../../counters';
import type { LineReader } from '../../host/types';
import { parseConntrackList } from './parse';
import { tupleKey, type CtRecord } from './record';

export interface SnapshotDiff {
  /** In `next`, not in `prev`. */
  started: CtRecord[];
  /** In `prev`, not in `next`: the records as last seen (counters of the last poll). */
  ended: CtRecord[];
  /** In both, with a new state or flags: the `next` records. */
  changed: CtRecord[];
}

/** Snapshot records by original tuple (what stays the same across polls; /proc has no id). */
export function indexSnapshot(recs: CtRecord[]): Map<string, CtRecord> {
  const m = new Map<string, CtRecord>();
  for (let k = 0; k < recs.length; k++) m.set(tupleKey(recs[k]), recs[k]);
  return m;
}

export function diffSnapshots(prev: ReadonlyMap<string, CtRecord>, next: ReadonlyMap<string, CtRecord>): SnapshotDiff {
  const started: CtRecord[] = [];
  const ended: CtRecord[] = [];
  const changed: CtRecord[] = [];
  for (const [key, rec] of next) {
    const old = prev.get(key);
    if (old === undefined) started.push(rec);
    else if (old.state !== rec.state || old.assured !== rec.assured || old.unreplied !== rec.unreplied || old.offload !== rec.offload) {
      changed.push(rec);
    }
  }
  for (const [key, rec] of prev) if (!next.has(key)) ended.push(rec);
  return { started, ended, changed };
}

/**
 * Milliseconds until the next poll. Reading the table costs time per entry, so a big table is
 * read less often (`perFlowMs`, default 1 ms per entry: 20k flows → 20 s, about 5% of a slow
 * router's CPU at ~50 µs per line). Within that floor: back to `minMs` while flows churn,
 * doubling towards `maxMs` while the table is quiet.
 */
export function pollIntervalMs(o: { size: number; churn: number; prevMs: number; minMs: number; maxMs: number; perFlowMs?: number }): number {
  const floor = Math.max(o.minMs, o.size * (o.perFlowMs ?? 1));
  const wanted = o.churn > 0 ? o.minMs : Math.max(o.minMs, o.prevMs * 2);
  return Math.min(o.maxMs, Math.max(floor, wanted));
}

/** All entries a reader yields (a /proc read, `conntrack -L` text), skipping and counting garbage. */
export function readSnapshot(reader: LineReader, counters: Counters): CtRecord[] {
  const out: CtRecord[] = [];
  try {
    for (let line = reader.next(); line !== null; line = reader.next()) {
      const rec = parseConntrackList(line, counters);
      if (rec !== null) out.push(rec);
    }
  } finally {
    reader.close();
  }
  return out;
}
