import type { Cases } from '../support/cases';
import { deepEq, eq, ok } from '../support/check';
import { Counters } from '../../src/counters';
import type { FlowEvent } from '../../src/events';
import { FlowTable } from '../../src/pipeline/flows';
import { F_OFFLOAD, F_UNREPLIED } from '../../src/sources/conntrack/flow-store';
import { parseConntrackEvent, parseConntrackList } from '../../src/sources/conntrack/parse';
import type { CtRecord } from '../../src/sources/conntrack/record';
import { reconcile } from './flows-read';

const EVENTS = 'lab-basic/conntrack-events.txt';
const LIST = 'lab-basic/conntrack-list.txt';
const PROC = 'lab-basic/nf_conntrack.snapshot';

interface Rig {
  table: FlowTable;
  out: FlowEvent[];
  ctx: Ctx[];
  counters: Counters;
}

/** The context handed with a flow, and what its slot holds beyond the event. */
interface Ctx {
  reply_h: string;
  unreplied: boolean;
  offload: boolean;
}

function rig(opts: { interimSec?: number; maxFlows?: number } = {}): Rig {
  const out: FlowEvent[] = [];
  const ctx: Ctx[] = [];
  const counters = new Counters();
  const table = new FlowTable({
    counters,
    sensor: 'lab',
    emit: (e, c) => {
      out.push(e);
      ok(c.slot >= 0 && table.pool.strings[table.store.strs[c.slot * 4]] === e.orig_h, 'ctx.slot is the flow\'s slot');
      const f = table.store.flags[c.slot];
      ctx.push({ reply_h: c.reply_h, unreplied: (f & F_UNREPLIED) !== 0, offload: (f & F_OFFLOAD) !== 0 });
    },
    ...opts,
  });
  return { table, out, ctx, counters };
}

function events(text: string, c = new Counters()): CtRecord[] {
  return text.split('\n').map((l) => parseConntrackEvent(l, c)).filter((r): r is CtRecord => r !== null);
}

function snapshot(text: string): CtRecord[] {
  const c = new Counters();
  return text.split('\n').map((l) => parseConntrackList(l, c)).filter((r): r is CtRecord => r !== null);
}

/** A flow record from a compact description, as conntrack would print it. */
function ev(kind: string, ts: number, rest: string): CtRecord {
  const r = parseConntrackEvent(`[${ts.toFixed(6)}]\t[${kind}] ${rest}`, new Counters());
  if (!r) throw new Error('bad test line ' + rest);
  return r;
}

/** `o`/`r`: counters of each direction; `tail`: attributes after [ASSURED]. */
const TCP = (id: number, sport: number, x: { o?: string; r?: string; tail?: string; state?: string } = {}) =>
  `ipv4     2 tcp      6 120 ${x.state ?? 'ESTABLISHED'} src=192.0.2.10 dst=198.51.100.80 sport=${sport} dport=443 ${x.o ? x.o + ' ' : ''}` +
  `src=198.51.100.80 dst=198.51.100.1 sport=443 dport=${sport} ${x.r ? x.r + ' ' : ''}[ASSURED] ${x.tail ? x.tail + ' ' : ''}id=${id}`;

export const cases: Cases = {
  'fixture events: the refused IPv6 flow ends with counters; flush reports the rest as final:false': (ctx) => {
    const r = rig();
    for (const rec of events(ctx.fixture(EVENTS))) r.table.push(rec);
    eq(r.out.length, 1, 'one flow ended during the capture');
    eq(
      JSON.stringify(r.out[0]),
      '{"type":"flow","ts":1795391135.799476,"sensor":"lab","end":1795391135.79951,"duration":0.000034,"proto":"tcp",' +
        '"orig_h":"2001:db8:1::10","orig_p":35684,"resp_h":"2001:db8:2::80","resp_p":80,"orig_bytes":80,"orig_pkts":1,' +
        '"resp_bytes":60,"resp_pkts":1,"state":"CLOSE","assured":false,"ct_id":3035411854,"final":true}',
      'schema key order, counters from the DESTROY',
    );
    deepEq(r.ctx[0], { reply_h: '2001:db8:2::80', unreplied: true, offload: false });
    eq(r.table.size(), 39);
    r.table.flush();
    eq(r.table.size(), 0);
    eq(r.out.length, 40);
    const ids = new Set(r.out.map((e) => e.ct_id));
    eq(ids.size, 40, 'each flow reported once');
    const tcp = r.out.filter((e) => e.proto === 'tcp' && e.final === false);
    eq(tcp.length, 2, 'the two TIME_WAIT flows');
    for (const t of tcp) {
      eq(t.state, 'TIME_WAIT');
      eq(t.assured, true);
      eq(t.nat_h, '198.51.100.1', 'masquerade');
      eq(t.nat_p, t.orig_p, 'port kept');
      eq(t.end, undefined, 'still open: no end');
      eq(t.orig_bytes, undefined, 'no counters without a DESTROY or a snapshot');
    }
    const last = 1795391137.847859;
    const web = tcp.find((t) => t.resp_p === 443)!;
    eq(web.duration, Math.round((last - 1795391133.782812) * 1e6) / 1e6, 'open until the last record seen');
    const udp = r.out.filter((e) => e.proto === 'udp');
    eq(udp.length, 37);
    const unreplied = r.out.filter((e, k) => r.ctx[k].unreplied);
    deepEq(unreplied.map((e) => e.resp_p).sort(), [5000, 80], 'the udp/5000 datagram and the refused TCP');
    eq(r.counters.get('flows.flushed'), 39);
  },

  'a snapshot after the events: refreshed flows, ended ones reconciled, IPv6 /proc spelling matches': (ctx) => {
    const r = rig();
    for (const rec of events(ctx.fixture(EVENTS))) r.table.push(rec);
    const snap = snapshot(ctx.fixture(PROC));
    // pretend the UDP/5353 flows and the udp/5000 one ended in a gap (the /proc snapshot lacks them)
    reconcile(r.table, snap, 1795391140);
    const ended = r.out.slice(1);
    eq(r.counters.get('flows.reconciled'), ended.length);
    eq(r.counters.get('flows.adopted'), 0, 'every /proc flow was already held');
    ok(ended.length === 39 - 31, `${ended.length} ended in the gap`);
    for (const e of ended) {
      eq(e.final, true);
      eq(e.end, undefined, 'the end is unknown');
      eq(e.duration, undefined);
    }
    eq(r.table.size(), 31);
    r.table.flush();
    const v6 = r.out.find((e) => e.orig_h === '2001:db8:1::10' && e.proto === 'udp')!;
    deepEq([v6.orig_bytes, v6.resp_bytes, v6.ct_id], [102, 106, 1222902227], 'counters refreshed from /proc, id kept');
  },

  'reconcile adopts flows it did not hold, keyed by tuple until an event brings the id': (ctx) => {
    const r = rig();
    const list = snapshot(ctx.fixture(PROC));
    reconcile(r.table, list, 1795391140);
    eq(r.counters.get('flows.adopted'), 31);
    eq(r.table.size(), 31);
    eq(r.out.length, 0);
    // a DESTROY with an id finds the tuple-keyed flow
    r.table.push(
      ev('DESTROY', 1795391150, TCP(1505489288, 36996, { state: 'CLOSE', o: 'packets=9 bytes=20476', r: 'packets=7 bytes=372', tail: 'delta-time=18' })),
    );
    eq(r.out.length, 1);
    const e = r.out[0];
    eq(e.ts, 1795391140 - 3, 'start from the snapshot delta-time');
    eq(e.end, 1795391150);
    eq(e.duration, 13);
    deepEq([e.orig_bytes, e.resp_bytes, e.state, e.ct_id], [20476, 372, 'CLOSE', 1505489288]);
    eq(r.table.size(), 30);
  },

  'a DESTROY of a flow never seen: start from delta-time, or unknown (no duration)': () => {
    const r = rig();
    r.table.push(ev('DESTROY', 1000, TCP(7, 1000, { o: 'packets=1 bytes=60', r: 'packets=1 bytes=40', tail: 'delta-time=25' })));
    r.table.push(ev('DESTROY', 1001, TCP(8, 1001)));
    eq(r.out[0].ts, 975);
    eq(r.out[0].duration, 25);
    eq(r.out[1].ts, 1001);
    eq(r.out[1].duration, undefined);
    eq(r.counters.get('flows.destroy_unseen'), 2);
    eq(r.counters.get('flows.start_unknown'), 1);
    eq(r.table.size(), 0);
  },

  'an UPDATE of an unseen flow is adopted with its start unknown': () => {
    const r = rig();
    r.table.push(ev('UPDATE', 50, TCP(9, 9)));
    r.table.push(ev('DESTROY', 80, TCP(9, 9)));
    eq(r.out.length, 1);
    eq(r.out[0].ts, 50, 'first seen');
    eq(r.out[0].duration, undefined);
    eq(r.out[0].end, 80);
    eq(r.counters.get('flows.start_unknown'), 1);
  },

  'interim records every interimSec while a flow is open': () => {
    const r = rig({ interimSec: 300 });
    r.table.push(ev('NEW', 1000, TCP(1, 1)));
    r.table.tick(1299);
    eq(r.out.length, 0);
    r.table.tick(1300);
    eq(r.out.length, 1);
    deepEq([r.out[0].final, r.out[0].ts, r.out[0].duration, r.out[0].end], [false, 1000, 300, undefined]);
    r.table.tick(1500);
    eq(r.out.length, 1);
    r.table.tick(1600);
    eq(r.out.length, 2);
    r.table.push(ev('DESTROY', 1700, TCP(1, 1)));
    deepEq([r.out[2].final, r.out[2].duration], [true, 700]);
    eq(r.counters.get('flows.interim'), 2);
    const none = rig({ interimSec: 0 });
    none.table.push(ev('NEW', 1000, TCP(1, 1)));
    none.table.tick(1e9);
    eq(none.out.length, 0, 'interimSec 0 disables interim records');
  },

  'the cap evicts the oldest flow as final:false and counts the drop': () => {
    const r = rig({ maxFlows: 2 });
    r.table.push(ev('NEW', 1, TCP(1, 1)));
    r.table.push(ev('NEW', 2, TCP(2, 2)));
    r.table.push(ev('NEW', 3, TCP(3, 3)));
    eq(r.table.size(), 2);
    eq(r.out.length, 1);
    deepEq([r.out[0].ct_id, r.out[0].final], [1, false]);
    eq(r.counters.dropped('flows.evicted'), 1);
    // its DESTROY is still reported, on its own
    r.table.push(ev('DESTROY', 4, TCP(1, 1)));
    eq(r.out.length, 2);
    deepEq([r.out[1].ct_id, r.out[1].final, r.out[1].end], [1, true, 4]);
    eq(r.table.size(), 2, 'the transient slot is released');
    r.table.push(ev('DESTROY', 5, TCP(2, 2)));
    r.table.push(ev('DESTROY', 5, TCP(3, 3)));
    eq(r.table.size(), 0);
  },

  'icmp: type and code as orig_p/resp_p; other protocols carry no ports': () => {
    const r = rig();
    r.table.push(ev('NEW', 10, 'ipv4     2 icmp     1 30 src=192.0.2.10 dst=198.51.100.80 type=8 code=0 id=4321 [UNREPLIED] src=198.51.100.80 dst=198.51.100.1 type=0 code=0 id=4321 id=55'));
    r.table.push(ev('DESTROY', 11, 'ipv4     2 icmp     1 src=192.0.2.10 dst=198.51.100.80 type=8 code=0 id=4321 packets=1 bytes=84 src=198.51.100.80 dst=198.51.100.1 type=0 code=0 id=4321 packets=1 bytes=84 id=55'));
    r.table.push(ev('DESTROY', 12, 'ipv4     2 gre      47 src=192.0.2.10 dst=198.51.100.9 srckey=0x0 dstkey=0x1f src=198.51.100.9 dst=198.51.100.1 srckey=0x1f dstkey=0x0 mark=7 zone=2 id=56'));
    eq(
      JSON.stringify(r.out[0]),
      '{"type":"flow","ts":10,"sensor":"lab","end":11,"duration":1,"proto":"icmp","orig_h":"192.0.2.10","orig_p":8,"resp_h":"198.51.100.80","resp_p":0,"nat_h":"198.51.100.1","orig_bytes":84,"orig_pkts":1,"resp_bytes":84,"resp_pkts":1,"assured":false,"ct_id":55,"final":true}',
    );
    const g = r.out[1];
    deepEq([g.proto, g.orig_p, g.resp_p, g.nat_h, g.nat_p, g.mark, g.zone], ['47', undefined, undefined, '198.51.100.1', undefined, 7, 2]);
  },

  'states of one length share a memo slot: each flow carries its own, references balance out': () => {
    const r = rig({ interimSec: 0 });
    const tcp = (id: number, state: string) =>
      `ipv4     2 tcp      6 30 ${state} src=192.0.2.10 dst=198.51.100.80 sport=${6000 + id} dport=443 src=198.51.100.80 dst=198.51.100.1 sport=443 dport=${6000 + id} id=${id}`;
    const steps: [string, number, string][] = [
      ['NEW', 1, 'SYN_SENT'], ['NEW', 2, 'SYN_SENT'], ['UPDATE', 1, 'FIN_WAIT'], ['UPDATE', 2, 'LAST_ACK'],
      ['NEW', 3, 'SYN_SENT'], ['UPDATE', 1, 'SYN_RECV'], ['UPDATE', 3, 'FIN_WAIT'], ['DESTROY', 2, 'CLOSE'],
    ];
    for (const [kind, id, state] of steps) r.table.push(ev(kind, id, tcp(id, state)));
    deepEq(r.out.map((e) => [e.ct_id, e.state]), [[2, 'CLOSE']]);
    const pool = r.table.pool;
    const held = (t: string) => pool.refs[pool.index[t] as number];
    deepEq(['SYN_SENT', 'FIN_WAIT', 'LAST_ACK', 'SYN_RECV', 'CLOSE'].map(held), [0, 1, 0, 1, 0]);
    for (const [id, state] of [[1, 'CLOSE'], [3, 'CLOSE']] as const) r.table.push(ev('DESTROY', 9, tcp(id, state)));
    deepEq(r.out.map((e) => [e.ct_id, e.state]), [[2, 'CLOSE'], [1, 'CLOSE'], [3, 'CLOSE']]);
    deepEq(['SYN_SENT', 'FIN_WAIT', 'LAST_ACK', 'SYN_RECV', 'CLOSE'].map(held), [0, 0, 0, 0, 0]);
  },

  'a mark: no column while every mark is 0; a flow whose mark goes back to 0 carries none': () => {
    const r = rig();
    const udp = (id: number, mark: number) =>
      `ipv4     2 udp      17 30 src=192.0.2.10 dst=198.51.100.53 sport=${5000 + id} dport=53 [UNREPLIED] src=198.51.100.53 dst=198.51.100.1 sport=53 dport=${5000 + id} mark=${mark} id=${id}`;
    r.table.push(ev('NEW', 1, udp(1, 0)));
    eq(r.table.store.mark_.length, 0, 'no column for mark=0');
    r.table.push(ev('NEW', 2, udp(2, 9)));
    r.table.push(ev('NEW', 3, udp(3, 4)));
    r.table.push(ev('UPDATE', 4, udp(3, 0)));
    r.table.push(ev('NEW', 5, udp(4, 0)));
    r.table.flush();
    deepEq(r.out.map((e) => [e.ct_id, e.mark]), [[1, undefined], [2, 9], [3, undefined], [4, undefined]]);
  },

  'DNAT (a port forward): reply_h names the LAN host behind it': () => {
    const r = rig();
    const fwd =
      'ipv4     2 tcp      6 120 SYN_SENT src=203.0.113.7 dst=198.51.100.1 sport=50000 dport=8080 [UNREPLIED] src=192.0.2.20 dst=203.0.113.7 sport=80 dport=50000 id=70';
    r.table.push(ev('NEW', 1, fwd));
    r.table.push(ev('DESTROY', 2, fwd.replace('SYN_SENT', 'CLOSE')));
    const e = r.out[0];
    deepEq([e.orig_h, e.resp_h, e.resp_p, e.nat_h, e.nat_p], ['203.0.113.7', '198.51.100.1', 8080, undefined, undefined], 'no source NAT');
    deepEq(r.ctx[0], { reply_h: '192.0.2.20', unreplied: true, offload: false });
  },

  'without ids (conntrack -E without -o id) flows key by tuple; a re-used tuple after DESTROY is a new flow': () => {
    const r = rig();
    const line = (state: string) =>
      `ipv4     2 tcp      6 120 ${state} src=192.0.2.10 dst=198.51.100.80 sport=1 dport=2 src=198.51.100.80 dst=198.51.100.1 sport=2 dport=1`;
    r.table.push(ev('NEW', 1, line('SYN_SENT')));
    r.table.push(ev('UPDATE', 2, line('ESTABLISHED')));
    r.table.push(ev('DESTROY', 3, line('CLOSE')));
    r.table.push(ev('NEW', 4, line('SYN_SENT')));
    r.table.push(ev('NEW', 4.5, line('SYN_SENT')));
    eq(r.counters.get('flows.duplicate_new'), 1);
    r.table.flush();
    deepEq(r.out.map((e) => [e.ts, e.final, e.ct_id]), [[1, true, undefined], [4, false, undefined]]);
  },

  'the list fixture reconciles by id and tuple alike': (ctx) => {
    const r = rig();
    for (const rec of events(ctx.fixture(EVENTS))) r.table.push(rec);
    reconcile(r.table, snapshot(ctx.fixture(LIST)), 1795391140);
    eq(r.counters.get('flows.adopted'), 0);
    eq(r.table.size(), 31);
  },
  'a DESTROY that follows the reconcile which already reported the flow is not reported twice': () => {
    const r = rig();
    const line = (kind: string, t: string, extra = ''): string =>
      `[${t}]\t${kind} ipv4     2 tcp      6 120 SYN_SENT src=192.0.2.10 dst=198.51.100.80 sport=40000 dport=80 ${extra}[UNREPLIED] src=198.51.100.80 dst=198.51.100.1 sport=80 dport=40000 id=777`;
    for (const rec of events(line('    [NEW]', '1795391200.000000'))) r.table.push(rec);
    reconcile(r.table, [], 1795391210); // gone from the table: reported once, as reconciled
    eq(r.out.length, 1);
    for (const rec of events(line('[DESTROY]', '1795391211.000000', 'packets=1 bytes=60 '))) r.table.push(rec);
    eq(r.out.length, 1, 'the late DESTROY is counted, not emitted again');
    eq(r.counters.get('flows.destroy_after_reconcile'), 1);
  },
};
