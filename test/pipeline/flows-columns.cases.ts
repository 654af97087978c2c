import type { Cases } from '../support/cases';
import { eq } from '../support/check';
import { Counters } from '../../src/counters';
import { FlowTable } from '../../src/pipeline/flows';
import { parseConntrackEvent, parseConntrackList } from '../../src/sources/conntrack/parse';
import type { CtRecord } from '../../src/sources/conntrack/record';
import { encodeFlowSlot } from '../../src/codec/ndjson-flow';
import { reconcile } from './flows-read';

// The store keeps ports in 16 bits and zones on demand: flows whose values do not fit (port
// 65535, a garbled port, protocols without ports, an ICMP tuple without its id, a zone) must
// come out as they went in, through the event and the slot encoder, and be found by tuple.

const LINES = [
  '[1795390000.000001]\t    [NEW] ipv4     2 tcp      6 120 SYN_SENT src=192.0.2.11 dst=198.51.100.80 sport=65535 dport=443 [UNREPLIED] src=198.51.100.80 dst=198.51.100.1 sport=443 dport=65535 id=82',
  '[1795390000.000002]\t    [NEW] ipv4     2 tcp      6 120 SYN_SENT src=192.0.2.12 dst=198.51.100.80 sport=70000 dport=443 [UNREPLIED] src=198.51.100.80 dst=198.51.100.1 sport=443 dport=70000 zone=9 id=83',
  '[1795390000.000003]\t    [NEW] ipv4     2 esp      50 600 src=192.0.2.13 dst=198.51.100.80 src=198.51.100.80 dst=198.51.100.1 id=84',
  '[1795390000.000004]\t    [NEW] ipv4     2 icmp     1 30 src=192.0.2.14 dst=198.51.100.53 type=8 code=0 [UNREPLIED] src=198.51.100.53 dst=198.51.100.1 type=0 code=0 id=85',
  '[1795390000.000005]\t    [NEW] ipv4     2 udp      17 30 src=192.0.2.15 dst=198.51.100.53 sport=5353 dport=65535 [UNREPLIED] src=198.51.100.53 dst=198.51.100.1 sport=65535 dport=65535 id=86',
  '[1795390001.000000]\t[DESTROY] ipv4     2 esp      50 src=192.0.2.13 dst=198.51.100.80 src=198.51.100.80 dst=198.51.100.1 id=84',
];

// as the table made them with 32-bit port and zone columns (netledger before 16-bit ports)
const WANT = [
  '{"type":"flow","ts":1795390000.000003,"sensor":"s","end":1795390001,"duration":0.999997,"proto":"50","orig_h":"192.0.2.13","resp_h":"198.51.100.80","nat_h":"198.51.100.1","assured":false,"ct_id":84,"final":true}',
  '{"type":"flow","ts":1795390000.000001,"sensor":"s","duration":0.999999,"proto":"tcp","orig_h":"192.0.2.11","orig_p":65535,"resp_h":"198.51.100.80","resp_p":443,"nat_h":"198.51.100.1","nat_p":65535,"state":"SYN_SENT","assured":false,"ct_id":82,"final":false}',
  '{"type":"flow","ts":1795390000.000002,"sensor":"s","duration":0.999998,"proto":"tcp","orig_h":"192.0.2.12","orig_p":70000,"resp_h":"198.51.100.80","resp_p":443,"nat_h":"198.51.100.1","nat_p":70000,"state":"SYN_SENT","assured":false,"ct_id":83,"final":false,"zone":9}',
  '{"type":"flow","ts":1795390000.000004,"sensor":"s","duration":0.999996,"proto":"icmp","orig_h":"192.0.2.14","orig_p":8,"resp_h":"198.51.100.53","resp_p":0,"nat_h":"198.51.100.1","assured":false,"final":false}',
  '{"type":"flow","ts":1795390000.000005,"sensor":"s","duration":0.999995,"proto":"udp","orig_h":"192.0.2.15","orig_p":5353,"resp_h":"198.51.100.53","resp_p":65535,"nat_h":"198.51.100.1","nat_p":65535,"assured":false,"ct_id":86,"final":false}',
];

function run(read: string[]): { events: string[]; slots: string[]; counters: Counters } {
  const counters = new Counters();
  const events: string[] = [];
  const slots: string[] = [];
  const table = new FlowTable({ counters, sensor: 's', emit: (e) => void events.push(JSON.stringify(e)) });
  table.slots = {
    flowSlot: (t, slot, at, final) => {
      // the slot encoder's line, less the later stages' tail it always writes
      slots.push(encodeFlowSlot(t.store, t.pool.strings, t.sensor, slot, at, final, undefined, undefined, undefined, undefined, 'x').replace(',"dir":"x"', ''));
      return false;
    },
  };
  for (const l of LINES) {
    const r = parseConntrackEvent(l, counters, undefined, table.holds);
    if (r === null) throw new Error('refused: ' + l);
    table.push(r);
  }
  const snap: CtRecord[] = [];
  for (const l of read) {
    const r = parseConntrackList(l, counters);
    if (r === null) throw new Error('refused: ' + l);
    snap.push(r);
  }
  if (read.length > 0) reconcile(table, snap, 1795390001);
  table.flush();
  return { events, slots, counters };
}

export const cases: Cases = {
  'ports past 16 bits, protocols without ports and zones come out as they went in': () => {
    const r = run([]);
    eq(r.events.join('\n'), WANT.join('\n'));
    eq(r.slots.join('\n'), WANT.join('\n'), 'the slot encoder agrees');
  },

  'a table read finds such flows by their tuple (none ended, none adopted)': () => {
    // the held flows as /proc lists them (no id: found by tuple)
    const read = [
      'ipv4     2 tcp      6 100 SYN_SENT src=192.0.2.11 dst=198.51.100.80 sport=65535 dport=443 [UNREPLIED] src=198.51.100.80 dst=198.51.100.1 sport=443 dport=65535 mark=0 use=1',
      'ipv4     2 tcp      6 100 SYN_SENT src=192.0.2.12 dst=198.51.100.80 sport=70000 dport=443 [UNREPLIED] src=198.51.100.80 dst=198.51.100.1 sport=443 dport=70000 mark=0 zone=9 use=1',
      'ipv4     2 icmp     1 20 src=192.0.2.14 dst=198.51.100.53 type=8 code=0 [UNREPLIED] src=198.51.100.53 dst=198.51.100.1 type=0 code=0 mark=0 use=1',
      'ipv4     2 udp      17 20 src=192.0.2.15 dst=198.51.100.53 sport=5353 dport=65535 [UNREPLIED] src=198.51.100.53 dst=198.51.100.1 sport=65535 dport=65535 mark=0 use=1',
    ];
    const r = run(read);
    eq(r.counters.get('flows.reconciled'), 0, 'each held flow found');
    eq(r.counters.get('flows.adopted'), 0, 'none taken for new');
    eq(r.events.length, 5);
    eq(r.slots.join('\n'), r.events.join('\n'), 'the slot encoder agrees');
    const gone = run(read.slice(1));
    eq(gone.counters.get('flows.reconciled'), 1, 'the flow the read lacks is ended');
  },
};
