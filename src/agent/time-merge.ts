// Replay reads several logs at once (dnsmasq, conntrack) and must interleave their records by
// time, so that the DNS-to-flow join sees an answer before the connection it leads to — exactly
// as it would live. Each input is a pull cursor; the merge always advances the earliest.

export interface TimedCursor {
  /** Timestamp (epoch seconds) of the record that step() would deliver; Infinity at end. */
  peekTs(): number;
  /** Deliver the pending record to its consumer and read ahead to the next one. */
  step(): void;
  /**
   * Optional: as mergeByTime() does for a lone cursor, in one loop without the per-record
   * peekTs()/step() calls (each call is ~400 instructions in qjs; a DNS-only replay is all lines).
   */
  runAlone?(onTime: (ts: number) => void): void;
}

/**
 * Runs every cursor to its end in time order. `onTime` is called when time moves forward, so
 * stages can expire state with the log's own clock (replay must not depend on the wall clock).
 * Ties go to the earlier cursor in the list (list DNS before flows: a name is resolved before use).
 */
export function mergeByTime(cursors: TimedCursor[], onTime: (ts: number) => void): void {
  // One input (a DNS-only replay): nothing to interleave, spare the per-line scan.
  if (cursors.length === 1 && cursors[0].runAlone !== undefined) {
    cursors[0].runAlone(onTime);
    return;
  }
  let last = -Infinity;
  for (;;) {
    let best = -1;
    let bestTs = Infinity;
    for (let i = 0; i < cursors.length; i++) {
      const ts = cursors[i].peekTs();
      if (ts < bestTs) {
        bestTs = ts;
        best = i;
      }
    }
    if (best < 0) return;
    // Logs are only roughly ordered (dnsmasq prints a second-granular time): never move backwards.
    if (bestTs > last + 0.999) {
      last = bestTs;
      onTime(bestTs);
    }
    cursors[best].step();
  }
}
