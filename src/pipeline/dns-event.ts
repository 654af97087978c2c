// Builds the `dns` event of a finished transaction with its keys in schema order, so that
// JSON.stringify gives a stable line: type, ts, sensor, client, client_port, mac, hostname,
// qname, qtype, source, upstream, rcode, answers, blocked, dnssec, id, complete.
// Absent values are left out (never `undefined`-valued keys).
//
// mac/hostname come from DHCP leases, known to a later stage. Two ways to add them without
// breaking key order: pass a DeviceLookup to the assembler (preferred: no second object), or
// rebuild an event with withDevice().
import type { DnsAnswer, DnsEvent } from '../events';
import type { Transaction } from './dns-transaction';

export interface DeviceInfo {
  mac?: string;
  hostname?: string;
}

/** mac/hostname of a client address at time ts, when known. */
export type DeviceLookup = (client: string, ts: number) => DeviceInfo | undefined;

export function buildDnsEvent(t: Transaction, sensor: string, lookup?: DeviceLookup): DnsEvent {
  const ev = { type: 'dns', ts: t.ts, sensor } as DnsEvent;
  if (t.client !== undefined) {
    ev.client = t.client;
    if (t.clientPort !== undefined) ev.client_port = t.clientPort;
    if (lookup !== undefined) {
      const d = lookup(t.client, t.ts);
      if (d !== undefined) {
        if (d.mac !== undefined) ev.mac = d.mac;
        if (d.hostname !== undefined) ev.hostname = d.hostname;
      }
    }
  }
  ev.qname = t.qname;
  ev.qtype = t.qtype;
  if (t.source !== undefined) ev.source = t.source;
  else if (t.upstream !== undefined) ev.source = 'forwarded'; // sent upstream, no answer seen
  if (t.upstream !== undefined) ev.upstream = t.upstream;
  if (t.rcode !== undefined) ev.rcode = t.rcode;
  ev.answers = answersOf(t.ans);
  if (t.blocked) ev.blocked = true;
  if (t.dnssec !== undefined) ev.dnssec = t.dnssec;
  if (t.serial >= 0) ev.id = t.serial;
  if (!t.answered) ev.complete = false;
  return ev;
}

/** The event's answer objects from a transaction's flat name, type, data slots. */
export function answersOf(flat: readonly (string | null)[]): DnsAnswer[] {
  const out: DnsAnswer[] = [];
  for (let i = 0; i + 2 < flat.length; i += 3) out[out.length] = { name: flat[i] as string, type: flat[i + 1] as string, data: flat[i + 2] };
  return out;
}

const ORDER: (keyof DnsEvent)[] = ['type', 'ts', 'sensor', 'client', 'client_port', 'mac', 'hostname',
  'qname', 'qtype', 'source', 'upstream', 'rcode', 'answers', 'blocked', 'dnssec', 'id', 'complete'];

/** A copy of ev with mac/hostname set, keys in schema order (for an enricher stage). */
export function withDevice(ev: DnsEvent, d: DeviceInfo): DnsEvent {
  const src = { ...ev, ...d } as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of ORDER) if (src[k] !== undefined) out[k] = src[k];
  for (const k of Object.keys(src)) if (!(k in out) && src[k] !== undefined) out[k] = src[k];
  return out as unknown as DnsEvent;
}
