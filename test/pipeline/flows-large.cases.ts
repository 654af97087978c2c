import type { Cases } from '../support/cases';
import { eq } from '../support/check';
import { Counters } from '../../src/counters';
import { FlowTable } from '../../src/pipeline/flows';
import { parseConntrackEvent, parseConntrackList } from '../../src/sources/conntrack/parse';
import type { CtRecord } from '../../src/sources/conntrack/record';
import type { FlowEvent } from '../../src/events';
import { reconcile } from './flows-read';

// The store's links and indexes are 16-bit while slot numbers fit (max_flows < 65,535) and
// 32-bit past that (max_flows goes up to 1,048,576): tables around and past 65,536 flows must
// keep every flow, in order, findable by id and by tuple, through interim ticks, ends,
// evictions and a table read.

const addr = (i: number): string => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
const NEW = (i: number, ts: number): string =>
  `[${ts}.000000]\t    [NEW] ipv4     2 tcp      6 120 SYN_SENT src=${addr(i)} dst=198.51.100.80 sport=${1024 + (i % 60000)} dport=443 [UNREPLIED] src=198.51.100.80 dst=198.51.100.1 sport=443 dport=${1024 + (i % 60000)} id=${i + 1}`;
const DESTROY = (i: number, ts: number): string =>
  `[${ts}.000000]\t[DESTROY] ipv4     2 tcp      6 src=${addr(i)} dst=198.51.100.80 sport=${1024 + (i % 60000)} dport=443 src=198.51.100.80 dst=198.51.100.1 sport=443 dport=${1024 + (i % 60000)} id=${i + 1}`;
const LIST = (i: number): string =>
  `ipv4     2 tcp      6 100 ESTABLISHED src=${addr(i)} dst=198.51.100.80 sport=${1024 + (i % 60000)} dport=443 src=198.51.100.80 dst=198.51.100.1 sport=443 dport=${1024 + (i % 60000)} [ASSURED] mark=0 use=1`;

function rig(maxFlows: number, interimSec: number) {
  const counters = new Counters();
  const out: FlowEvent[] = [];
  const table = new FlowTable({ counters, sensor: 's', interimSec, maxFlows, emit: (e) => void out.push(e as FlowEvent) });
  const push = (line: string): void => {
    const r = parseConntrackEvent(line, counters, undefined, table.holds);
    if (r === null) throw new Error('refused: ' + line);
    table.push(r);
  };
  return { counters, out, table, push };
}

/** Fills a table of `maxFlows` with `n` flows (one a second from t0), then checks what a table must. */
function fill(maxFlows: number, n: number): void {
  const t0 = 1795390000;
  const { counters, out, table, push } = rig(maxFlows, 100);
  for (let i = 0; i < n; i++) push(NEW(i, t0 + (i >> 10)));
  const held = Math.min(n, maxFlows);
  eq(table.size(), held, `${maxFlows}: held`);
  eq(counters.dropped('flows.evicted'), n - held, `${maxFlows}: evicted`);
  // the evicted ones are the oldest, in order
  eq(out.map((e) => e.ct_id).join(), Array.from({ length: n - held }, (_, i) => i + 1).join(), `${maxFlows}: eviction order`);
  out.length = 0;
  // every held flow is found by its id: a DESTROY of every 7th ends it (no destroy_unseen)
  const first = n - held;
  let ended = 0;
  for (let i = first; i < n; i += 7, ended++) push(DESTROY(i, t0 + (n >> 10) + 1));
  eq(counters.get('flows.destroy_unseen'), 0, `${maxFlows}: every DESTROY found its flow`);
  eq(out.length, ended);
  eq(out.every((e) => e.final === true), true);
  out.length = 0;
  // an interim tick long after: every held flow once, oldest first
  table.tick(t0 + 10000);
  const want: number[] = [];
  for (let i = first; i < n; i++) if ((i - first) % 7 !== 0) want.push(i + 1);
  eq(out.length, want.length, `${maxFlows}: interim records`);
  eq(out.map((e) => e.ct_id).join() === want.join(), true, `${maxFlows}: interim order`);
  out.length = 0;
  // a table read that lists every held flow (no ids: found by tuple) ends none and adopts none
  const snap: CtRecord[] = [];
  for (let i = first; i < n; i++) {
    if ((i - first) % 7 === 0) continue;
    const r = parseConntrackList(LIST(i), counters);
    if (r === null) throw new Error('refused');
    snap.push(r);
  }
  reconcile(table, snap, t0 + 10001);
  eq(counters.get('flows.reconciled'), 0, `${maxFlows}: a read finds every flow by tuple`);
  eq(counters.get('flows.adopted'), 0, `${maxFlows}: and adopts none`);
  eq(table.size(), want.length);
  table.flush();
  eq(out.map((e) => e.ct_id).join() === want.join(), true, `${maxFlows}: flush, in order of last report`);
}

export const cases: Cases = {
  'a table past 65,536 flows (32-bit links and indexes): all held, found, reported, read and flushed': () => {
    fill(70000, 70000);
  },
  'the widths\' edges: 65,534 and 65,535 flows, full, with evictions': () => {
    fill(65534, 65600);
    fill(65535, 65600);
  },
};
