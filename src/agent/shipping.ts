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

export interface ShippingSink extends EventSink {
  readonly spool_: Spool;
  readonly shipper_: Shipper;
  /** The broker url without its password, for logs and status. */
  readonly broker_: string;
  /** Opens the spool and starts shipping, what a previous run left first. */
  start_(): void;
  tick_(nowSec: number): void;
  /** Closes every open batch into the spool. */
  flush_(): void;
  /** Resolves when the spool is empty and nothing awaits a PUBACK; rejects if the client gave up. */
  idle_(): Promise<void>;
  stop_(graceMs?: number): Promise<void>;
}

/**
 * `new ShippingSink(deps)`: a plain function whose closure holds the parts (shorter in the bundle
 * than fields); called with `new`, it returns its object, as any constructor may.
 */
export const ShippingSink = function ({ host_: host, counters_: counters, sensor_: sensor, options_: o, ...deps }: ShippingDeps): ShippingSink {
  const url = parseBrokerUrl(o.url_);
  const store = spool({ host_: host, dir_: o.spool_.dir, capBytes_: o.spool_.capBytes, counters_: counters });
  const batcher = new Batcher({
    sensor, boot: newBootId(host), counters,
    ...o.batch_, // maxEvents, maxBytes, maxAgeSec
    onBatch: (stream, _seq, bytes) => {
      if (store.put_(stream, bytes) !== null) ship.kick_();
    },
  });
  const ship = shipper({
    host_: host, counters_: counters, spool_: store,
    status_: { sensor, version: VERSION, started: host.now(), capabilities: deps.capabilities_, config_hash: deps.configHash_ },
    connect_: brokerStreamFactory(host, url, {
      nc_: o.nc_,
      tls_: url.scheme === 'mqtts'
        ? { caFile_: o.caFile_ || '/etc/ssl/certs/ca-certificates.crt', certFile_: o.certFile_ || undefined, keyFile_: o.keyFile_ || undefined }
        : undefined,
    }),
    mqtt_: {
      username_: o.username_ || url.username, password_: o.password_ || url.password, keepaliveSec_: o.keepaliveSec_,
      backoffMinMs_: o.reconnectMinMs_, backoffMaxMs_: o.reconnectMaxMs_, maxAttempts_: o.maxAttempts_,
    },
    window_: o.inflight_,
    onCommand_: deps.onCommand_,
    log_: deps.log_,
  });
  return {
    spool_: store,
    shipper_: ship,
    broker_: redactBrokerUrl(url),
    start_(): void {
      store.open_();
      ship.start_();
      ship.kick_(); // batches a previous run left in the spool go first
    },
    emit(ev: NetEvent): void {
      if (deps.countEvents_ !== false) counters.inc(`events_${ev.type}`);
      batcher.push(ev);
    },
    tick_: (nowSec) => batcher.tick(nowSec),
    flush_: () => batcher.flush(),
    idle_: ship.idle_,
    async stop_(graceMs = 2000): Promise<void> {
      await null; // a throw before the first await would end qjs (src/reject-later.ts)
      batcher.flush();
      await ship.stop_(graceMs);
    },
  };
} as unknown as new (deps: ShippingDeps) => ShippingSink;
