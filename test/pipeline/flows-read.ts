// A whole table read in one turn, as replay's --proc-snapshot does it (src/cli/replay.ts): the
// tests' stand-in for the reconcile that FlowTable no longer has.
import type { HeldFlows } from '../../src/sources/conntrack/proc-poll';
import type { CtRecord } from '../../src/sources/conntrack/record';

export function reconcile(table: HeldFlows, snapshot: CtRecord[], nowSec: number): void {
  table.readBegin(nowSec);
  table.readPrepare(Infinity);
  for (const rec of snapshot) table.readEntry(rec, true);
  table.readSweep(Infinity, false);
}
