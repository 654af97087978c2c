// The agent's status file, <state_dir>/status.json: rewritten every agent.status_interval
// seconds (through host.writeAtomic, so readers never see half a file) and read by
// `netledger rpcd call status` — which is what `ubus call netledger status` and the LuCI view
// show. The writer is the agent; this file only fixes the shape and its two conversions.
// The reader treats the file as untrusted (it may be old, cut or hand-edited): parseStatus
// never throws and keeps only well-typed fields.
import { isArray, toJson, keysOf, maxOf, isRecord, errorText } from '../compat/lang';

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

const num = (v: unknown): number | undefined => (Number.isFinite(v) && (v as number) >= 0 ? v as number : undefined);

/**
 * How `fields` reads a key: bit 0 set, the key is left out when missing or ill-typed (else it
 * becomes 0 or ''); bit 1 set, a text cut at (kind >> 2) characters (512 when 0), else a number.
 */
const enum Kind { Num = 0, OptNum = 1, Text = 2, OptText = 3, OptText32 = 3 + 4 * 32, OptText64 = 3 + 4 * 64, OptText128 = 3 + 4 * 128 }

/** The keys of `spec` read from `v` (when an object) into `out`, in the spec's order. */
function fields(v: unknown, spec: Record<string, Kind>, out: Obj = {}): Obj {
  const o = isRecord(v) ? v : {};
  for (const k in spec) {
    const t = spec[k];
    const x = o[k];
    const y = t & 2 ? (typeof x == 'string' ? x.slice(0, t >> 2 || 512) : undefined) : num(x);
    if (y !== undefined || !(t & 1)) out[k] = y ?? (t & 2 ? '' : 0);
  }
  return out;
}

/** Caps on what a (possibly hostile) file can make us carry into an rpcd reply (256 KB max). */
const MAX_ENTRIES = 512;

/** The entries of an object that `read` accepts, at most `max` of them, keys up to `maxKey` long. */
function record<T>(v: unknown, read: (x: Obj) => T | undefined, max = 64, maxKey = 64): Record<string, T> {
  const out: Record<string, T> = {};
  let n = 0;
  if (isRecord(v)) {
    for (const k of keysOf(v)) {
      const x = read(v[k] as Obj);
      if (x === undefined || k.length > maxKey) continue;
      out[k] = x;
      if (++n >= max) break;
    }
  }
  return out;
}

/** Reads a status file's text. Unknown or ill-typed fields are dropped, never trusted. */
export function parseStatus(textIn: string): { status: AgentStatus } | { error: string } {
  let v: unknown;
  try {
    v = JSON.parse(textIn);
  } catch (e) {
    return { error: `status file is not JSON: ${errorText(e)}` };
  }
  if (!isRecord(v)) return { error: 'status file is not a JSON object' };
  if (v.format !== STATUS_FORMAT) return { error: `status file format ${toJson(v.format)} is not ${STATUS_FORMAT}` };
  const head = fields(v, {
    sensor: Kind.OptText64, version: Kind.OptText64, pid: Kind.OptNum, started: Kind.OptNum, updated: Kind.OptNum,
    interval: Kind.OptNum, config_file: Kind.Text,
  }, { format: STATUS_FORMAT });
  if (keysOf(head).length < 8) return { error: 'status file lacks sensor, version, pid, started, updated or interval' };
  const mq = isRecord(v.mqtt) ? v.mqtt : {};
  const sp = isRecord(v.spool) ? v.spool : {};
  const status = fields(v, { config_hash: Kind.OptText128 }, {
    ...head,
    restart_pending: isArray(v.restart_pending)
      ? v.restart_pending.filter((x): x is string => typeof x === 'string').slice(0, 128)
      : [],
    sources: record(v.sources, (x) => isRecord(x) && ['starting', 'running', 'restarting', 'stopped', 'disabled', 'failed'].includes(x.state as string)
      ? fields(x, { lines: Kind.Num, restarts: Kind.Num, input: Kind.OptText32, last_line: Kind.OptNum, error: Kind.OptText }, { state: x.state })
      : undefined),
    streams: record(v.streams, (x) => isRecord(x) && typeof x.enabled === 'boolean' ? fields(x, { events: Kind.Num, last: Kind.OptNum }, { enabled: x.enabled }) : undefined),
    mqtt: fields(mq, { inflight: Kind.Num, batches_sent: Kind.Num, broker: Kind.OptText, since: Kind.OptNum, last_error: Kind.OptText },
      { state: ['disabled', 'connecting', 'connected', 'disconnected'].includes(mq.state as string) ? mq.state : 'disabled' }),
    spool: fields(sp, { bytes: Kind.Num, batches: Kind.Num, max_bytes: Kind.Num }, { enabled: sp.enabled === true }),
    memory: fields(v.memory, { rss_kb: Kind.Num, budget_kb: Kind.Num }),
    counters: record(v.counters, num, MAX_ENTRIES, 128),
    dropped: record(v.dropped, num, MAX_ENTRIES, 128),
  });
  return { status: status as unknown as AgentStatus };
}

/** A file older than this many seconds means the agent is not updating it (hung or gone). */
export function staleAfter(s: AgentStatus): number {
  return maxOf(3 * s.interval, 30);
}
