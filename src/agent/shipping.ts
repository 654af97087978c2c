// The transport end of the data path: events → per-stream batches → spool (disk) → MQTT QoS 1.
// A batch leaves the spool only on the broker's PUBACK, so an outage or a crash loses nothing
// the spool could hold; what it could not hold is counted by stream.
import type { Host } from '../host/types';
import type { Counters } from '../counters';
import type { EventSink, NetEvent } from '../events';
import { Batcher } from '../pipeline/batcher';
import { Spool, DEFAULT_SPOOL_PRIORITY } from '../transport/spool';
import { Shipper, type CommandMeta } from '../transport/shipper';
import { parseBrokerUrl, redactBrokerUrl } from '../transport/url';
import { brokerStreamFactory } from '../transport/stream';
import { VERSION } from '../version';
import { floor } from '../compat/lang';

export interface ShippingOptions {
  url: string;
  username?: string;
  password?: string;
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  keepaliveSec: number;
  inflight: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  /** Give up after this many failed connection attempts in a row (replay); default never. */
  maxAttempts?: number;
  batch: { maxEvents: number; maxBytes: number; maxAgeSec: number };
  spool: { dir: string; capBytes: number };
  /** plain-TCP helper argv (default busybox-style `nc`). */
  nc?: string[];
}

export interface ShippingDeps {
  host: Host;
  counters: Counters;
  sensor: string;
  options: ShippingOptions;
  capabilities: string[];
  configHash?: string;
  onCommand?: (name: string, payload: unknown, meta: CommandMeta) => void;
  log?: (msg: string) => void;
  /** Count events_<type>; off when another sink of the same agent counts them already. */
  countEvents?: boolean;
}

/** A random boot id: with the stream it scopes batch sequence numbers (duplicates, gaps). */
export function newBootId(host: Host): string {
  let s = '';
  for (let i = 0; i < 4; i++) s += floor(Math.random() * 0x10000).toString(16).padStart(4, '0');
  return `${floor(host.now()).toString(36)}-${s}`;
}

export class ShippingSink implements EventSink {
  readonly spool: Spool;
  private readonly batcher_: Batcher;
  private readonly shipper_: Shipper;
  readonly broker: string;

  private readonly deps_: ShippingDeps;

  constructor(deps_: ShippingDeps) {
    this.deps_ = deps_;
    const { host, counters, sensor, options: o } = deps_;
    const url = parseBrokerUrl(o.url);
    this.broker = redactBrokerUrl(url);
    this.spool = new Spool({ host_: host, dir_: o.spool.dir, capBytes_: o.spool.capBytes, counters_: counters, priority: DEFAULT_SPOOL_PRIORITY });
    this.batcher_ = new Batcher({
      sensor, boot: newBootId(host), counters,
      maxEvents: o.batch.maxEvents, maxBytes: o.batch.maxBytes, maxAgeSec: o.batch.maxAgeSec,
      onBatch: (stream, _seq, bytes) => {
        if (this.spool.put_(stream, bytes) !== null) this.shipper_.kick_();
      },
    });
    const tls = url.scheme === 'mqtts'
      ? { caFile_: o.caFile || '/etc/ssl/certs/ca-certificates.crt', certFile: o.certFile || undefined, keyFile: o.keyFile || undefined }
      : undefined;
    this.shipper_ = new Shipper({
      host_: host, counters_: counters, spool_: this.spool,
      status_: { sensor, version: VERSION, started: host.now(), capabilities: deps_.capabilities, config_hash: deps_.configHash },
      connect_: brokerStreamFactory(host, url, { nc: o.nc, tls }),
      mqtt: {
        username: o.username || url.username, password: o.password || url.password, keepaliveSec: o.keepaliveSec,
        backoffMinMs: o.reconnectMinMs, backoffMaxMs: o.reconnectMaxMs, maxAttempts: o.maxAttempts,
      },
      window: o.inflight,
      onCommand: deps_.onCommand,
      log: deps_.log,
    });
  }

  start(): void {
    this.spool.open_();
    this.shipper_.start_();
    this.shipper_.kick_(); // batches a previous run left in the spool go first
  }

  emit(ev: NetEvent): void {
    if (this.deps_.countEvents !== false) this.deps_.counters.inc(`events_${ev.type}`);
    this.batcher_.push(ev);
  }

  tick_(nowSec: number): void {
    this.batcher_.tick(nowSec);
  }

  /** Closes every open batch into the spool. */
  flush(): void {
    this.batcher_.flush();
  }

  /** Resolves when the spool is empty and nothing awaits a PUBACK; rejects if the client gave up. */
  idle(): Promise<void> {
    return this.shipper_.idle_();
  }

  connected_(): boolean {
    return this.shipper_.connected_;
  }

  lastError_(): string | null {
    return this.shipper_.lastError_;
  }

  spoolBytes_(): number {
    return this.spool.bytes_();
  }

  async stop(graceMs = 2000): Promise<void> {
    await null; // a throw before the first await would end qjs (src/reject-later.ts)
    this.batcher_.flush();
    await this.shipper_.stop_(graceMs);
  }
}
