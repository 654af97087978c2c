// The agent's status file, <state_dir>/status.json: rewritten every agent.status_interval
// seconds (through host.writeAtomic, so readers never see half a file) and read by
// `netledger rpcd call status` — which is what `ubus call netledger status` and the LuCI view
// show. The writer is the agent; this file only fixes the shape and its two conversions.
// The reader treats the file as untrusted (it may be old, cut or hand-edited): parseStatus
// never throws and keeps only well-typed fields.
import { isArray, toJson, keysOf, maxOf, isRecord } from '../compat/lang';

export const STATUS_FORMAT = 1;
export const STATUS_FILE = 'status.json';

export type SourceState = 'starting' | 'running' | 'restarting' | 'stopped' | 'disabled' | 'failed';
export type MqttState = 'disabled' | 'connecting' | 'connected' | 'disconnected';

export interface SourceStatus {
  state: SourceState;
  /** How it reads: 'logread', 'file', 'stdin' for dnsmasq; 'events', 'proc' for conntrack. */
  input?: string;
  /** Lines (or records) read since start. */
  lines: number;
  /** Times its child process was restarted. */
  restarts: number;
  /** Epoch seconds of the last line read. */
  last_line?: number;
  /** Why it is failed/restarting, when known. */
  error?: string;
}

export interface StreamStatus {
  enabled: boolean;
  /** Events produced since start. */
  events: number;
  /** Epoch seconds of the last event. */
  last?: number;
}

export interface AgentStatus {
  format: typeof STATUS_FORMAT;
  sensor: string;
  /** The agent's version (package version). */
  version: string;
  pid: number;
  /** Epoch seconds. */
  started: number;
  /** Epoch seconds of this write: readers call a file stale after ~3 status intervals. */
  updated: number;
  /** Seconds between writes, so a reader can judge staleness without the config. */
  interval: number;
  config_file: string;
  config_hash?: string;
  /** 'section.option' changed on reload that only a restart applies. */
  restart_pending: string[];
  sources: Record<string, SourceStatus>;
  streams: Record<string, StreamStatus>;
  mqtt: {
    state: MqttState;
    /** Broker url without credentials. */
    broker?: string;
    /** Epoch seconds of the current connection. */
    since?: number;
    inflight: number;
    batches_sent: number;
    last_error?: string;
  };
  spool: { enabled: boolean; bytes: number; batches: number; max_bytes: number };
  memory: { rss_kb: number; budget_kb: number };
  counters: Record<string, number>;
  dropped: Record<string, number>;
}

/** The file's text: one JSON object and a newline. */
export function renderStatus(s: AgentStatus): string {
  return toJson(s) + '\n';
}

type Obj = Record<string, unknown>;

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

function text(v: unknown, max = 512): string | undefined {
  return typeof v === 'string' ? (v.length > max ? v.slice(0, max) : v) : undefined;
}

const SOURCE_STATES: readonly string[] = ['starting', 'running', 'restarting', 'stopped', 'disabled', 'failed'];
const MQTT_STATES: readonly string[] = ['disabled', 'connecting', 'connected', 'disconnected'];
/** Caps on what a (possibly hostile) file can make us carry into an rpcd reply (256 KB max). */
const MAX_ENTRIES = 512;

function optional<T extends object>(o: T, key: keyof T & string, v: unknown): void {
  if (v !== undefined) (o as Obj)[key] = v;
}

function source(v: unknown): SourceStatus | undefined {
  if (!isRecord(v)) return undefined;
  const state = text(v.state);
  if (state === undefined || !SOURCE_STATES.includes(state)) return undefined;
  const s: SourceStatus = { state: state as SourceState, lines: num(v.lines) ?? 0, restarts: num(v.restarts) ?? 0 };
  optional(s, 'input', text(v.input, 32));
  optional(s, 'last_line', num(v.last_line));
  optional(s, 'error', text(v.error));
  return s;
}

function stream(v: unknown): StreamStatus | undefined {
  if (!isRecord(v) || typeof v.enabled !== 'boolean') return undefined;
  const s: StreamStatus = { enabled: v.enabled, events: num(v.events) ?? 0 };
  optional(s, 'last', num(v.last));
  return s;
}

/** The entries of an object that `read` accepts, at most `max` of them, keys up to `maxKey` long. */
function record<T>(v: unknown, read: (x: unknown) => T | undefined, max = 64, maxKey = 64): Record<string, T> {
  const out: Record<string, T> = {};
  if (!isRecord(v)) return out;
  let n = 0;
  for (const k of keysOf(v)) {
    const x = read(v[k]);
    if (x === undefined || k.length > maxKey) continue;
    out[k] = x;
    if (++n >= max) break;
  }
  return out;
}

/** Reads a status file's text. Unknown or ill-typed fields are dropped, never trusted. */
export function parseStatus(textIn: string): { status: AgentStatus } | { error: string } {
  let v: unknown;
  try {
    v = JSON.parse(textIn);
  } catch (e) {
    return { error: `status file is not JSON: ${(e as Error).message}` };
  }
  if (!isRecord(v)) return { error: 'status file is not a JSON object' };
  if (v.format !== STATUS_FORMAT) return { error: `status file format ${toJson(v.format)} is not ${STATUS_FORMAT}` };
  const sensor = text(v.sensor, 64);
  const version = text(v.version, 64);
  const pid = num(v.pid);
  const started = num(v.started);
  const updated = num(v.updated);
  const interval = num(v.interval);
  if (sensor === undefined || version === undefined || pid === undefined || started === undefined ||
    updated === undefined || interval === undefined) {
    return { error: 'status file lacks sensor, version, pid, started, updated or interval' };
  }
  const mq = isRecord(v.mqtt) ? v.mqtt : {};
  const mqState = text(mq.state);
  const sp = isRecord(v.spool) ? v.spool : {};
  const mem = isRecord(v.memory) ? v.memory : {};
  const status: AgentStatus = {
    format: STATUS_FORMAT,
    sensor, version, pid, started, updated, interval,
    config_file: text(v.config_file) ?? '',
    restart_pending: isArray(v.restart_pending)
      ? v.restart_pending.filter((x): x is string => typeof x === 'string').slice(0, 128)
      : [],
    sources: record(v.sources, source),
    streams: record(v.streams, stream),
    mqtt: {
      state: mqState !== undefined && MQTT_STATES.includes(mqState) ? (mqState as MqttState) : 'disabled',
      inflight: num(mq.inflight) ?? 0,
      batches_sent: num(mq.batches_sent) ?? 0,
    },
    spool: {
      enabled: sp.enabled === true,
      bytes: num(sp.bytes) ?? 0,
      batches: num(sp.batches) ?? 0,
      max_bytes: num(sp.max_bytes) ?? 0,
    },
    memory: { rss_kb: num(mem.rss_kb) ?? 0, budget_kb: num(mem.budget_kb) ?? 0 },
    counters: record(v.counters, num, MAX_ENTRIES, 128),
    dropped: record(v.dropped, num, MAX_ENTRIES, 128),
  };
  optional(status, 'config_hash', text(v.config_hash, 128));
  optional(status.mqtt, 'broker', text(mq.broker));
  optional(status.mqtt, 'since', num(mq.since));
  optional(status.mqtt, 'last_error', text(mq.last_error));
  return { status };
}

/** A file older than this many seconds means the agent is not updating it (hung or gone). */
export function staleAfter(s: AgentStatus): number {
  return maxOf(3 * s.interval, 30);
}
