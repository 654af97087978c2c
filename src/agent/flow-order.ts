// A flow event gains fields from three stages (devices, join, direction) after the flow table
// built it. JSON key order is part of the NDJSON contract (decode must print the same line as
// replay), so the finished event is laid out once in the schema's order: by the flow table,
// which seats the later stages' fields as undefined, else (other builders) here.
import type { FlowEvent } from '../events';

const ORDER = [
  'type', 'ts', 'sensor', 'end', 'duration', 'proto', 'orig_h', 'orig_p', 'resp_h', 'resp_p',
  'nat_h', 'nat_p', 'orig_bytes', 'orig_pkts', 'resp_bytes', 'resp_pkts', 'state', 'assured',
  'ct_id', 'mac', 'hostname', 'name', 'direct', 'final', 'dir', 'mark', 'zone',
] as const;

export function orderFlow(ev: FlowEvent, device?: { mac?: string; hostname?: string }): FlowEvent {
  const src = ev as unknown as Record<string, unknown>;
  if (device !== undefined) {
    if (device.mac !== undefined && src.mac === undefined) src.mac = device.mac;
    if (device.hostname !== undefined && src.hostname === undefined) src.hostname = device.hostname;
  }
  // The flow table seats every later field in schema order (`dir` last of them): nothing to move.
  if ('dir' in src) return ev;
  const out: Record<string, unknown> = {};
  for (let i = 0; i < ORDER.length; i++) {
    const v = src[ORDER[i]];
    if (v !== undefined) out[ORDER[i]] = v;
  }
  // Fields a later schema version adds keep their place at the end.
  for (const k in src) if (!(k in out) && src[k] !== undefined) out[k] = src[k];
  return out as unknown as FlowEvent;
}
