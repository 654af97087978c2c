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

/** Writes <state_dir>/status.json. Keys set to undefined are left out of the file (JSON), as optional keys should be. */
export function writeAgentStatus(host: Host, s: StatusInputs): void {
  const c = s.config_;
  const ag = c.agent;
  const dir = ag.state_dir;
  const { counters, dropped } = s.counters_.snapshot();
  let rss = 0;
  try {
    rss = parseVmRSS(host.readText('/proc/self/status')) ?? 0;
  } catch {
    // not Linux: leave 0
  }
  const streams: AgentStatus['streams'] = {};
  for (const k of STREAMS) streams[k] = { enabled: c.streams[k], events: counters[`events_${k}`] ?? 0 };
  const ct = s.conntrack_;
  const ship = s.ship_;
  const spool = ship?.spool_;
  const off = { state: 'disabled', lines: 0, restarts: 0 } as const;
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
    // without a broker: no ship_batches either
    mqtt: {
      state: !ship ? 'disabled' : ship.shipper_.connected_ ? 'connected' : 'connecting', broker: ship?.broker_, inflight: 0,
      batches_sent: counters.ship_batches ?? 0, last_error: ship?.shipper_.lastError_ || undefined,
    },
    spool: { enabled: c.spool.enabled, bytes: spool?.bytes_() ?? 0, batches: spool?.count_() ?? 0, max_bytes: c.spool.max_bytes },
    memory: { rss_kb: rss, budget_kb: ag.memory_budget },
    counters: { ...counters, ...s.pipeline_ },
    dropped,
  };
  host.mkdirp(dir);
  host.writeAtomic(`${dir}/${STATUS_FILE}`, renderStatus(status));
}
