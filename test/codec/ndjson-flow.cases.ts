import type { Cases } from '../support/cases';
import { eq, ok, seeded } from '../support/check';
import { Counters } from '../../src/counters';
import type { FlowEvent } from '../../src/events';
import { FlowTable } from '../../src/pipeline/flows';
import { parseConntrackEvent, parseConntrackList } from '../../src/sources/conntrack/parse';
import { encodeFlowAlert, encodeFlowNdjson, encodeFlowSlot } from '../../src/codec/ndjson-flow';
import { BypassDetector } from '../../src/pipeline/bypass';
import type { AlertEvent } from '../../src/events';
import { reconcile } from '../pipeline/flows-read';

const EVENTS = 'lab-basic/conntrack-events.txt';
const PROC = 'lab-basic/nf_conntrack.snapshot';

/** Flow events as the flow table builds them from the lab capture (ended, reconciled, flushed). */
function tableEvents(events: string, proc: string, lines?: string[], extra?: [string?, string?, string?, boolean?]): FlowEvent[] {
  const counters = new Counters();
  const out: FlowEvent[] = [];
  const table = new FlowTable({ counters, sensor: 'lab', emit: (e) => out.push(e) });
  if (lines !== undefined) {
    // each flow written from its slot first, then handed back to become the event
    const [mac, hostname, name, direct] = extra ?? [];
    table.slots = {
      flowSlot: (t, slot, at, final) => {
        lines.push(encodeFlowSlot(t.store, t.pool.strings, t.sensor, slot, at, final, mac, hostname, name, direct, 'lan'));
        return false;
      },
    };
  }
  for (const line of events.split('\n')) {
    const r = parseConntrackEvent(line, counters, undefined, table.holds);
    if (r) table.push(r);
  }
  const snap = [];
  for (const line of proc.split('\n')) {
    const r = parseConntrackList(line, counters);
    if (r) snap.push(r);
  }
  reconcile(table, snap, 1795391300);
  table.flush();
  return out;
}

// protocols and fields the lab capture lacks: ICMP type/code as ports, GRE keys (not ports),
// SCTP ports, a mark and a zone, an unnamed protocol, a DNAT'd reply
const ODD = [
  '[1795390000.000001]\t    [NEW] ipv4     2 icmp     1 30 src=192.0.2.10 dst=198.51.100.53 type=8 code=0 id=1234 [UNREPLIED] src=198.51.100.53 dst=198.51.100.1 type=0 code=0 id=1234 mark=5 zone=3 id=77',
  '[1795390000.000002]\t    [NEW] ipv4     2 gre      47 180 src=192.0.2.10 dst=198.51.100.80 srckey=0x1 dstkey=0x2 src=198.51.100.80 dst=198.51.100.1 srckey=0x2 dstkey=0x1 id=78',
  '[1795390000.000003]\t    [NEW] ipv4     2 sctp     132 10 CLOSED src=192.0.2.10 dst=198.51.100.80 sport=5000 dport=5001 src=198.51.100.80 dst=198.51.100.1 sport=5001 dport=6000 id=79',
  '[1795390000.000004]\t    [NEW] ipv4     2 unknown  99 600 src=192.0.2.10 dst=198.51.100.80 src=198.51.100.80 dst=192.0.2.10 id=80',
  '[1795390000.000005]\t    [NEW] ipv4     2 tcp      6 120 SYN_SENT src=203.0.113.9 dst=198.51.100.1 sport=4000 dport=8080 [UNREPLIED] src=192.0.2.10 dst=203.0.113.9 sport=80 dport=4000 id=81',
  '[1795390001.500000]\t[DESTROY] ipv4     2 icmp     1 src=192.0.2.10 dst=198.51.100.53 type=8 code=0 id=1234 packets=1 bytes=84 src=198.51.100.53 dst=198.51.100.1 type=0 code=0 id=1234 packets=1 bytes=84 mark=5 zone=3 id=77',
];

const SCHEMA = [
  'type', 'ts', 'sensor', 'end', 'duration', 'proto', 'orig_h', 'orig_p', 'resp_h', 'resp_p',
  'nat_h', 'nat_p', 'orig_bytes', 'orig_pkts', 'resp_bytes', 'resp_pkts', 'state', 'assured',
  'ct_id', 'mac', 'hostname', 'name', 'direct', 'final', 'dir', 'mark', 'zone',
];

export const cases: Cases = {
  'bypass alerts about the lab flows encode exactly as JSON.stringify does (device fields escaped)': (ctx) => {
    const alerts: AlertEvent[] = [];
    const d = new BypassDetector({ counters: new Counters(), emit: (a) => alerts.push(a), sensor: 'lab "x"', routerAddrs: ['192.0.2.1'] });
    const evs = tableEvents(ctx.fixture(EVENTS), ctx.fixture(PROC));
    evs.forEach((ev, k) => {
      ev.dir = 'lan';
      ev.proto = k % 2 ? 'udp' : 'tcp';
      ev.resp_p = k % 3 ? 53 : 853;
      ev.orig_h = '192.0.2.' + (10 + k);
      if (k % 4 === 1) ev.mac = 'aa:bb:cc:dd:ee:' + k;
      if (k % 4 === 2) ev.hostname = 'host "\\' + k + '\u0001';
      d.check(ev);
    });
    ok(alerts.length > 5, `${alerts.length} alerts`);
    ok(alerts.some((a) => a.mac !== undefined) && alerts.some((a) => a.hostname !== undefined), 'device fields');
    for (const a of alerts) {
      eq(encodeFlowAlert(a), JSON.stringify(a));
      eq(encodeFlowAlert(a, encodeFlowNdjson(a.event as FlowEvent)), JSON.stringify(a), 'with the flow line given');
    }
  },
  'the lab flows encode exactly as JSON.stringify does': (ctx) => {
    const evs = tableEvents(ctx.fixture(EVENTS), ctx.fixture(PROC));
    ok(evs.length >= 5, `flow events from the fixture (${evs.length})`);
    for (const ev of evs) {
      ev.dir = 'lan';
      eq(encodeFlowNdjson(ev), JSON.stringify(ev));
    }
  },
  'a line written from the slot is the event\'s line, with and without the later stages\' fields': (ctx) => {
    for (const extra of [[], ['aa:bb:cc:dd:ee:ff', 'a "quoted"\\host\u0001', 'b\u00e9\u2028.example', undefined], [undefined, 'pc', undefined, true]] as [string?, string?, string?, boolean?][]) {
      const lines: string[] = [];
      const evs = tableEvents(ctx.fixture(EVENTS) + '\n' + ODD.join('\n'), ctx.fixture(PROC), lines, extra);
      eq(lines.length, evs.length, 'one line per event');
      ok(evs.length >= 5, `flow events from the fixture (${evs.length})`);
      for (let k = 0; k < evs.length; k++) {
        const ev = evs[k];
        [ev.mac, ev.hostname, ev.name, ev.direct] = extra;
        ev.dir = 'lan';
        eq(lines[k], JSON.stringify(ev));
      }
    }
  },
  'the slot writer\'s kept pieces (reply ports past their cap, states in turn) stay exact': (ctx) => {
    const states = ['SYN_SENT', 'ESTABLISHED', 'SYN_SENT', 'CLOSE', 'TIME_WAIT'];
    const news = [];
    for (let k = 0; k < 1300; k++) {
      const st = k % 7 ? 'udp      17 30 ' : `tcp      6 120 ${states[k % 5]} `;
      const dport = k % 3 ? 1000 + k : 443;
      news.push(`[1795390000.${String(k).padStart(6, '0')}]\t    [NEW] ipv4     2 ${st}src=192.0.2.10 dst=198.51.100.80 sport=${2000 + k} dport=${dport} [UNREPLIED] src=198.51.100.80 dst=198.51.100.1 sport=${dport} dport=${2000 + k} id=${900 + k}`);
    }
    const lines: string[] = [];
    const evs = tableEvents(news.join('\n'), ctx.fixture(PROC), lines);
    ok(evs.length >= 1300, `flows (${evs.length})`);
    for (let k = 0; k < evs.length; k++) {
      evs[k].dir = 'lan';
      eq(lines[k], JSON.stringify(evs[k]));
    }
  },
  'later stages\' fields, escapes, and events not laid out by the table': (ctx) => {
    const ev = tableEvents(ctx.fixture(EVENTS), ctx.fixture(PROC))[0];
    Object.assign(ev, { mac: 'aa:bb:cc:dd:ee:ff', hostname: 'a "quoted"\\host\u0001', name: 'b\u00e9\u2028.example', direct: false, dir: 'inbound' });
    eq(encodeFlowNdjson(ev), JSON.stringify(ev));
    ev.sensor = 'sensor "x"\n';
    ev.state = 'WEIRD"STATE';
    eq(encodeFlowNdjson(ev), JSON.stringify(ev));
    const other = { type: 'flow', resp_h: 'b', ts: 1, sensor: 's', proto: 'tcp', orig_h: 'a', extra: 1 } as unknown as FlowEvent;
    eq(encodeFlowNdjson(other), JSON.stringify(other), 'no dir seated: JSON.stringify order');
  },
  'seeded fuzz: any subset of the optional fields': (ctx) => {
    const base = tableEvents(ctx.fixture(EVENTS), ctx.fixture(PROC));
    const rnd = seeded(7);
    const optional = ['end', 'duration', 'orig_p', 'resp_p', 'nat_h', 'nat_p', 'orig_bytes', 'orig_pkts', 'resp_bytes', 'resp_pkts', 'state', 'assured', 'ct_id', 'mac', 'hostname', 'name', 'direct', 'final', 'dir', 'mark', 'zone'];
    const values: Record<string, unknown[]> = {
      mac: ['00:11:22:33:44:55'], hostname: ['pc', 'x\ty'], name: ['example.org.', 'ü.test'], direct: [true, false],
      dir: ['lan', 'router', 'transit'], mark: [1, 4294967295], zone: [2], nat_h: ['198.51.100.1', '2001:db8::1'], nat_p: [0, 65535],
    };
    for (let k = 0; k < 500; k++) {
      const from = base[Math.floor(rnd() * base.length)] as unknown as Record<string, unknown>;
      // any values, keys in the schema's order (as the flow table lays them out)
      const ev: Record<string, unknown> = {};
      for (const f of SCHEMA) {
        ev[f] = from[f];
        if (!optional.includes(f)) continue;
        const r = rnd();
        if (r < 0.3) ev[f] = undefined;
        else if (r < 0.5 && values[f]) ev[f] = values[f][Math.floor(rnd() * values[f].length)];
      }
      eq(encodeFlowNdjson(ev as unknown as FlowEvent), JSON.stringify(ev));
    }
  },
};
