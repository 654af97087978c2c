// Pipeline options for DNS-path cases: small caps, no conntrack, the given switches.
import type { PipelineOptions } from '../../src/agent/pipeline';

export function dnsPipelineOptions(o: { pdns?: boolean; learn?: boolean; maxRecords?: number } = {}): PipelineOptions {
  const pdns = o.pdns === true;
  const learn = o.learn === true;
  return {
    sensor: 'lab', net: { routerAddrs: [], lanPrefixes: [] }, learnNet: { lan: learn, router: learn },
    dns: { timeoutSec: 10, maxOpen: 2048 }, flows: { interimSec: 300, maxFlows: 1000 },
    devices: { graceSec: 60, maxDevices: 100 },
    join: { enabled: false, ttlSec: 600, maxPerClient: 100, maxTotal: 1000 },
    bypass: { enabled: false, ports: [], allow: [], windowSec: 60 },
    pdns: { enabled: pdns, windowSec: 60, maxRecords: o.maxRecords ?? 1000 }, ioc: { maxIndicators: 100 },
    streams: { dns: true, flow: true, pdns, alert: true, health: true },
  };
}
