// Maps the UCI config (src/config/schema.ts) onto the pipeline's options: the one place that
// knows both shapes, so stages never read the config themselves.
import type { NetledgerConfig } from '../config/schema';
import type { PipelineOptions } from './pipeline';

export function pipelineOptions(c: NetledgerConfig, net: { routerAddrs: string[]; lanPrefixes: string[] }): PipelineOptions {
  return {
    sensor: c.agent.sensor_id,
    net,
    // Router addresses and LAN prefixes only serve flows (direction, join, bypass).
    learnNet: { lan: c.conntrack.enabled, router: c.conntrack.enabled },
    dns: { timeoutSec: c.dnsmasq.transaction_timeout, maxOpen: c.dnsmasq.max_transactions },
    flows: { interimSec: c.conntrack.interim_interval, maxFlows: c.conntrack.max_flows },
    devices: { graceSec: c.devices.grace, maxDevices: c.devices.max_devices },
    join: { enabled: c.conntrack.enabled, ttlSec: c.join.answer_ttl, maxPerClient: c.join.max_per_client, maxTotal: c.join.max_answers },
    bypass: { enabled: c.bypass.enabled, ports: c.bypass.ports, allow: c.bypass.allow, windowSec: c.bypass.window },
    pdns: { enabled: c.streams.pdns, windowSec: c.pdns.window, maxRecords: c.pdns.max_records },
    ioc: { maxIndicators: c.ioc.max_indicators },
    streams: { ...c.streams },
  };
}
