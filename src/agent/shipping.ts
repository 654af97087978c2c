// The transport end of the data path: events → per-stream batches → spool (disk) → MQTT QoS 1.
// A batch leaves the spool only on the broker's PUBACK, so an outage or a crash loses nothing
// the spool could hold; what it could not hold is counted by stream.
import type { Host } from '../host/types';
import type { Counters } from '../counters';
import type { EventSink, NetEvent } from '../events';
import { Batcher } from '../pipeline/batcher';
import { spool, type Spool } from '../transport/spool';
import { shipper, type Shipper, type CommandMeta } from '../transport/shipper';
import { parseBrokerUrl, redactBrokerUrl } from '../transport/url';
import { brokerStreamFactory } from '../transport/stream';
import { VERSION } from '../version';
import { floor } from '../compat/lang';

export interface ShippingOptions {
  url_: string;
  username_?: string;
  password_?: string;
  caFile_?: string;
  certFile_?: string;
  keyFile_?: string;
  keepaliveSec_: number;
  inflight_: number;
  reconnectMinMs_: number;
  reconnectMaxMs_: number;
  /** Give up after this many failed connection attempts in a row (replay); default never. */
  maxAttempts_?: number;
  batch_: { maxEvents: number; maxBytes: number; maxAgeSec: number };
  spool_: { dir: string; capBytes: number };
  /** plain-TCP helper argv (default busybox-style `nc`). */
  nc_?: string[];
}

export interface ShippingDeps {
  host_: Host;
  counters_: Counters;
  sensor_: string;
  options_: ShippingOptions;
  capabilities_: string[];
  configHash_?: string;
  onCommand_?: (name: string, payload: unknown, meta: CommandMeta) => void;
  log_?: (msg: string) => void;
  /** Count events_<type>; off when another sink of the same agent counts them already. */
  countEvents_?: boolean;
}

/** A random boot id: with the stream it scopes batch sequence numbers (duplicates, gaps). */
export function newBootId(host: Host): string {
  let s = '';
  for (let i = 0; i < 4; i++) s += floor(Math.random() * 0x10000).toString(16).padStart(4, '0');
  return `${floor(host.now()).toString(36)}-${s}`;
}

export class ShippingSink implements EventSink {
  readonly spool_: Spool;
  private readonly batcher_: Batcher;
  private readonly shipper_: Shipper;
  readonly broker_: string;

  private readonly deps_: ShippingDeps;

  constructor(deps_: ShippingDeps) {
    this.deps_ = deps_;
    const { host_: host, counters_: counters, sensor_: sensor, options_: o } = deps_;
    const url = parseBrokerUrl(o.url_);
    this.broker_ = redactBrokerUrl(url);
    this.spool_ = spool({ host_: host, dir_: o.spool_.dir, capBytes_: o.spool_.capBytes, counters_: counters });
    this.batcher_ = new Batcher({
      sensor, boot: newBootId(host), counters,
      maxEvents: o.batch_.maxEvents, maxBytes: o.batch_.maxBytes, maxAgeSec: o.batch_.maxAgeSec,
      onBatch: (stream, _seq, bytes) => {
        if (this.spool_.put_(stream, bytes) !== null) this.shipper_.kick_();
      },
    });
    const tls = url.scheme === 'mqtts'
      ? { caFile_: o.caFile_ || '/etc/ssl/certs/ca-certificates.crt', certFile: o.certFile_ || undefined, keyFile: o.keyFile_ || undefined }
      : undefined;
    this.shipper_ = shipper({
      host_: host, counters_: counters, spool_: this.spool_,
      status_: { sensor, version: VERSION, started: host.now(), capabilities: deps_.capabilities_, config_hash: deps_.configHash_ },
      connect_: brokerStreamFactory(host, url, { nc_: o.nc_, tls_: tls }),
      mqtt_: {
        username_: o.username_ || url.username, password_: o.password_ || url.password, keepaliveSec_: o.keepaliveSec_,
        backoffMinMs_: o.reconnectMinMs_, backoffMaxMs_: o.reconnectMaxMs_, maxAttempts_: o.maxAttempts_,
      },
      window_: o.inflight_,
      onCommand_: deps_.onCommand_,
      log_: deps_.log_,
    });
  }

  start_(): void {
    this.spool_.open_();
    this.shipper_.start_();
    this.shipper_.kick_(); // batches a previous run left in the spool go first
  }

  emit(ev: NetEvent): void {
    if (this.deps_.countEvents_ !== false) this.deps_.counters_.inc(`events_${ev.type}`);
    this.batcher_.push(ev);
  }

  tick_(nowSec: number): void {
    this.batcher_.tick(nowSec);
  }

  /** Closes every open batch into the spool. */
  flush_(): void {
    this.batcher_.flush();
  }

  /** Resolves when the spool is empty and nothing awaits a PUBACK; rejects if the client gave up. */
  idle_(): Promise<void> {
    return this.shipper_.idle_();
  }

  connected_(): boolean {
    return this.shipper_.connected_;
  }

  lastError_(): string | null {
    return this.shipper_.lastError_;
  }

  spoolBytes_(): number {
    return this.spool_.bytes_();
  }

  async stop_(graceMs = 2000): Promise<void> {
    await null; // a throw before the first await would end qjs (src/reject-later.ts)
    this.batcher_.flush();
    await this.shipper_.stop_(graceMs);
  }
}
