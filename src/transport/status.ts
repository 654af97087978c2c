// The retained presence message on netledger/v1/<sensor>/status: a `status` event (events.md)
// as JSON. `online` is published on every connect; `offline` is the MQTT last will, so the broker
// announces an abrupt death, and is also published on a clean stop (a DISCONNECT discards the
// will, MQTT-3.1.2-10).
import type { StatusEvent } from '../events';
import { utf8Encode } from '../compat/utf8';
import { toJson } from '../compat/lang';

export interface StatusInfo {
  sensor: string;
  version: string;
  /** Agent start time, epoch seconds. */
  started: number;
  config_hash?: string;
  capabilities: string[];
}

/** JSON bytes of the status event (`type` first, as every NDJSON record). */
export const statusPayload = (info: StatusInfo, state: 'online' | 'offline', ts: number): Uint8Array => {
  // An undefined config_hash is left out of the JSON; the key order is the schema's.
  const event: StatusEvent = {
    type: 'status', ts, sensor: info.sensor, state, version: info.version, started: info.started,
    config_hash: info.config_hash, capabilities: info.capabilities,
  };
  return utf8Encode(toJson(event));
};
