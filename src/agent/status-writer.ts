// Writes <state_dir>/status.json, which `ubus call netledger status` (rpcd plugin) and the LuCI
// view read. Built from the counters the agent keeps anyway; written atomically.
import type { Host } from '../host/types';
import type { Counters } from '../counters';
import type { NetledgerConfig } from '../config/schema';
import type { ConntrackStats } from '../sources/conntrack/live';
import type { ShippingSink } from './shipping';
import { renderStatus, STATUS_FORMAT, STATUS_FILE, type AgentStatus } from './status-file';
import { parseVmRSS } from '../pipeline/health';
import { VERSION } from '../version';
import { STREAMS } from '../transport/topics';

export interface StatusInputs {
  config_: NetledgerConfig;
  configFile_: string;
  configHash_: string;
  started_: number;
  counters_: Counters;
  ship_?: ShippingSink;
  conntrack_?: ConntrackStats;
  dnsLast_: number;
  pipeline_?: Record<string, number>;
}

export function buildStatus(host: Host, s: StatusInputs): AgentStatus {
  const c = s.config_;
  const ag = c.agent;
  const { counters, dropped } = s.counters_.snapshot();
  let rss = 0;
  try {
    rss = parseVmRSS(host.readText('/proc/self/status')) ?? 0;
  } catch {
    // not Linux: leave 0
  }
  const streams: AgentStatus['streams'] = {};
  for (const k of STREAMS) {
    streams[k] = { enabled: c.streams[k], events: counters[`events_${k}`] ?? 0 };
  }
  const ct = s.conntrack_;
  const ship = s.ship_;
  const off = { state: 'disabled', lines: 0, restarts: 0 } as const;
  // Keys set to undefined are left out of the file (JSON.stringify), as optional keys should be.
  const status: AgentStatus = {
    format: STATUS_FORMAT,
    sensor: ag.sensor_id,
    version: VERSION,
    pid: host.pid(),
    started: s.started_,
    updated: host.now(),
    interval: ag.status_interval,
    config_file: s.configFile_,
    config_hash: s.configHash_,
    restart_pending: [],
    sources: {
      dnsmasq: c.dnsmasq.enabled
        ? { state: 'running', input: c.dnsmasq.input, lines: counters.dnsmasq_lines ?? 0, restarts: counters.dnsmasq_exited ?? 0,
          last_line: s.dnsLast_ || undefined }
        : off,
      conntrack: c.conntrack.enabled && ct
        ? { state: ct.mode === 'stopped' ? 'stopped' : 'running', input: ct.mode, lines: counters.conntrack_records ?? 0,
          restarts: ct.restarts, error: ct.lastStderr || undefined }
        : off,
    },
    streams,
    mqtt: ship
      ? { state: ship.shipper_.connected_ ? 'connected' : 'connecting', broker: ship.broker_, inflight: 0,
        batches_sent: counters.ship_batches ?? 0, last_error: ship.shipper_.lastError_ || undefined }
      : { state: 'disabled', inflight: 0, batches_sent: 0 },
    spool: { enabled: c.spool.enabled, bytes: ship?.spool_.bytes_() ?? 0, batches: ship?.spool_.count_() ?? 0, max_bytes: c.spool.max_bytes },
    memory: { rss_kb: rss, budget_kb: ag.memory_budget },
    counters: { ...counters, ...(s.pipeline_ ?? {}) },
    dropped,
  };
  return status;
}

export function writeAgentStatus(host: Host, s: StatusInputs): void {
  const dir = s.config_.agent.state_dir;
  host.mkdirp(dir);
  host.writeAtomic(`${dir}/${STATUS_FILE}`, renderStatus(buildStatus(host, s)));
}
