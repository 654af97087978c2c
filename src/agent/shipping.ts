// The transport end of the data path: events → per-stream batches → spool (disk) → MQTT.
// At QoS 1 (mqtt.qos, the default) a batch leaves the spool only on the broker's PUBACK, so an
// outage or a crash loses nothing the spool could hold; what it could not hold is counted by
// stream. At QoS 0 it leaves once written to a live link.
import type { Host } from '../host/types';
import type { Counters } from '../counters';
import type { EventSink, NetEvent } from '../events';
import { Batcher } from '../pipeline/batcher';
import { spool, type Spool } from '../transport/spool';
import { shipper, type Shipper, type CommandMeta } from '../transport/shipper';
import { parseBrokerUrl, redactBrokerUrl, type BrokerUrl } from '../transport/url';
import { brokerStreamFactory } from '../transport/stream';
import { VERSION } from '../version';
import { floor } from '../compat/lang';
import type { NetledgerConfig } from '../config/schema';

type Config = NetledgerConfig;

/**
 * What the sink reads of the config: the agent passes its own, replay one built from its flags.
 * The TLS files and credentials may be absent (then the url's, and the system CA bundle).
 */
export interface ShippingConfig {
  agent: Pick<Config['agent'], 'sensor_id'>;
  mqtt: Pick<Config['mqtt'], 'url' | 'keepalive' | 'inflight' | 'reconnect_min' | 'reconnect_max'>
    & Partial<Pick<Config['mqtt'], 'username' | 'password' | 'ca_file' | 'cert_file' | 'key_file' | 'client_id' | 'verify_hostname' | 'qos'>>;
  batch: Config['batch'];
  spool: Pick<Config['spool'], 'dir' | 'max_bytes'>;
}

export interface ShippingDeps {
  host_: Host;
  counters_: Counters;
  config_: ShippingConfig;
  capabilities_: string[];
  configHash_?: string;
  /** Give up after this many failed connection attempts in a row (replay); default never. */
  maxAttempts_?: number;
  /** plain-TCP helper argv (default busybox-style `nc`). */
  nc_?: string[];
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
  /** The broker's url, parsed (its host and port are the agent's own connection). */
  readonly url_: BrokerUrl;
  /** The broker url without its password, for logs and status. */
  readonly broker_: string;
  /** Opens the spool and starts shipping, what a previous run left first. */
  start_(): void;
  tick_(nowSec: number): void;
  /** Closes every open batch into the spool. */
  flush_(): void;
  /** Resolves when the spool is empty and nothing awaits a PUBACK (at QoS 0: its write); rejects if the client gave up. */
  idle_(): Promise<void>;
  stop_(graceMs?: number): Promise<void>;
}

/**
 * `new ShippingSink(deps)`: a plain function whose closure holds the parts (shorter in the bundle
 * than fields); called with `new`, it returns its object, as any constructor may.
 */
export const ShippingSink = function ({ host_: host, counters_: counters, config_: { agent: { sensor_id: sensor }, mqtt: m, batch: b, spool: sp }, ...deps }: ShippingDeps): ShippingSink {
  const url = parseBrokerUrl(m.url);
  const store = spool({ ...sp, host_: host, counters_: counters });
  const batcher = new Batcher({
    sensor, boot: newBootId(host), counters, maxEvents: b.max_events, maxBytes: b.max_bytes, maxAgeSec: b.max_age,
    onBatch: (stream, _seq, bytes) => {
      if (store.put_(stream, bytes) !== null) ship.kick_();
    },
  });
  const ship = shipper({
    host_: host, counters_: counters, spool_: store,
    status_: { sensor, version: VERSION, started: host.now(), capabilities: deps.capabilities_, config_hash: deps.configHash_ },
    connect_: brokerStreamFactory(host, url, { nc_: deps.nc_, tls_: m }), // the CA, cert and key files, verify_hostname
    mqtt_: {
      username_: m.username || url.username, password_: m.password || url.password, keepaliveSec_: m.keepalive,
      backoffMinMs_: m.reconnect_min * 1000, backoffMaxMs_: m.reconnect_max * 1000, maxAttempts_: deps.maxAttempts_,
    },
    window_: m.inflight,
    clientId_: m.client_id,
    qos_: m.qos as 0 | 1 | undefined,
    onCommand_: deps.onCommand_,
    log_: deps.log_,
  });
  return {
    spool_: store,
    shipper_: ship,
    url_: url,
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
