// Maps the UCI config (src/config/schema.ts) onto the pipeline's options: the one place that
// knows both shapes, so stages never read the config themselves.
import type { NetledgerConfig } from '../config/schema';
import type { PipelineOptions } from './pipeline';

export function pipelineOptions(c: NetledgerConfig, net: { routerAddrs: string[]; lanPrefixes: string[] }): PipelineOptions {
  const { conntrack: ct, join: j, bypass: b } = c; // the sections read more than twice
  return {
    sensor: c.agent.sensor_id,
    net,
    // Router addresses and LAN prefixes only serve flows (direction, join, bypass).
    learnNet: { lan: ct.enabled, router: ct.enabled },
    dns: { timeoutSec: c.dnsmasq.transaction_timeout, maxOpen: c.dnsmasq.max_transactions },
    flows: { interimSec: ct.interim_interval, maxFlows: ct.max_flows },
    devices: { graceSec: c.devices.grace, maxDevices: c.devices.max_devices },
    join: { enabled: ct.enabled, ttlSec: j.answer_ttl, maxPerClient: j.max_per_client, maxTotal: j.max_answers },
    bypass: { ...b, windowSec: b.window }, // enabled, ports, allow as the config has them
    pdns: { enabled: c.streams.pdns, windowSec: c.pdns.window, maxRecords: c.pdns.max_records },
    ioc: { maxIndicators: c.ioc.max_indicators },
    streams: { ...c.streams },
  };
}
