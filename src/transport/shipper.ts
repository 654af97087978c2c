// Drives spool → MQTT: spooled batches go out oldest first with QoS 1 on
// netledger/v1/<sensor>/<stream>, at most `window` awaiting PUBACK; a batch leaves the spool only
// on its PUBACK. After a reconnect the client re-sends what was in flight (clean session off, so
// the broker may hold a copy too: a batch's (sensor, boot, seq) lets consumers drop duplicates).
// On connect: the retained `online` status (the will says `offline`) and the command
// subscriptions. Commands are bounded in size, must be JSON objects, and reach onCommand.
import { rejectLater } from '../reject-later';
import type { Host } from '../host/types';
import type { Counters } from '../counters';
import { MqttClient, type ByteStream, type IncomingMessage, type MqttClientOptions } from './mqtt/client';
import { commandFilters, commandName, statusTopic, streamTopic, checkSensorId } from './topics';
import { statusPayload, type StatusInfo } from './status';
import { utf8Decode } from '../compat/utf8';

/** What the shipper needs of src/transport/spool.ts. */
export interface SpoolEntry {
  id: string;
  stream: string;
  payload: Uint8Array;
}
export interface SpoolLike {
  /** Oldest first; order kept within a stream. */
  pending(): SpoolEntry[];
  ack(id: string): void;
}

export interface CommandMeta {
  topic: string;
  retained: boolean;
  /** true when sent to netledger/v1/all/cmd/... rather than to this sensor. */
  broadcast: boolean;
}

export interface ShipperDeps {
  host: Host;
  counters: Counters;
  spool: SpoolLike;
  /** Sensor id, version, start time and capabilities for the status messages. */
  status: StatusInfo;
  /** Opens a new byte stream to the broker (brokerStreamFactory in stream.ts). */
  connect: () => ByteStream;
  /** MQTT settings except what the shipper decides (client id, will, clean session). */
  mqtt?: Omit<MqttClientOptions, 'clientId' | 'connect' | 'will' | 'cleanSession'>;
  /** QoS 1 batches awaiting PUBACK at once. Default 8. */
  window?: number;
  /** Largest command payload accepted, bytes. Default 256 KiB. */
  maxCommandBytes?: number;
  onCommand?: (name: string, payload: unknown, meta: CommandMeta) => void;
  log?: (msg: string) => void;
}

export class Shipper {
  #client: MqttClient | null = null;
  readonly #inFlight = new Set<string>();
  #idleWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  #fatal: Error | null = null;
  #stopped = false;

  readonly #deps: ShipperDeps;
  constructor(deps: ShipperDeps) { this.#deps = deps; }

  start(): void {
    if (this.#client) return;
    const d = this.#deps;
    const sensor = checkSensorId(d.status.sensor);
    const maxCmd = d.maxCommandBytes ?? 256 * 1024;
    const client = new MqttClient({
      host: d.host,
      counters: d.counters,
      log: d.log,
      options: {
        maxIncoming: maxCmd + 1024,
        ...d.mqtt,
        clientId: sensor,
        connect: d.connect,
        cleanSession: false,
        will: { topic: statusTopic(sensor), payload: statusPayload(d.status, 'offline', d.host.now()), qos: 1, retain: true },
        inflight: Math.max(d.window ?? 8, 1) + 2, // room for status and commands' own publishes
      },
    });
    this.#client = client;
    client.onConnect(() => this.#online());
    client.onMessage((m) => this.#message(m));
    client.onFatal((e) => {
      this.#fatal = e;
      for (const w of this.#idleWaiters.splice(0)) w.reject(e);
    });
    client.start();
  }

  /** New batches were spooled: publish what the window allows. */
  kick(): void {
    this.#pump();
  }

  /** Nothing spooled and nothing awaiting PUBACK. */
  drained(): boolean {
    return this.#inFlight.size === 0 && this.#deps.spool.pending().length === 0;
  }

  /** Resolves once drained (replay exits 0 only then); rejects when the client gives up. */
  idle(): Promise<void> {
    if (this.#fatal) return rejectLater(this.#fatal);
    if (this.drained()) return Promise.resolve();
    return new Promise((resolve, reject) => this.#idleWaiters.push({ resolve, reject }));
  }

  get connected(): boolean {
    return this.#client?.connected ?? false;
  }

  get lastError(): string | null {
    return this.#fatal?.message ?? this.#client?.lastError ?? null;
  }

  /**
   * Clean stop: when connected, publishes the retained `offline` status (a DISCONNECT suppresses
   * the will) and waits up to `graceMs` for its PUBACK, then disconnects. Unsent batches stay
   * spooled for the next start.
   */
  async stop(graceMs = 2000): Promise<void> {
    await null; // a throw before the first await would end qjs (src/reject-later.ts)
    if (this.#stopped || !this.#client) return;
    this.#stopped = true;
    const client = this.#client;
    if (client.connected) {
      const s = this.#deps.status;
      const sent = client.publish(statusTopic(s.sensor), statusPayload(s, 'offline', this.#deps.host.now()), { qos: 1, retain: true });
      await new Promise<void>((resolve) => {
        const t = this.#deps.host.setTimeout(resolve, graceMs);
        sent.then(() => { this.#deps.host.clearTimer(t); resolve(); }, () => resolve());
      });
    }
    await client.stop();
  }

  #online(): void {
    const c = this.#client!;
    const s = this.#deps.status;
    c.publish(statusTopic(s.sensor), statusPayload(s, 'online', this.#deps.host.now()), { qos: 1, retain: true })
      .catch((e) => this.#deps.log?.(`mqtt: online status not acknowledged: ${(e as Error).message}`));
    if (this.#deps.onCommand) {
      c.subscribe(commandFilters(s.sensor).map((topic) => ({ topic, qos: 1 as const })))
        .catch((e) => this.#deps.log?.(`mqtt: command subscription failed: ${(e as Error).message}`));
    }
    this.#pump();
  }

  #pump(): void {
    const c = this.#client;
    if (!c || this.#stopped) return;
    const window = Math.max(this.#deps.window ?? 8, 1);
    if (this.#inFlight.size >= window) return;
    const sensor = this.#deps.status.sensor;
    for (const e of this.#deps.spool.pending()) {
      if (this.#inFlight.size >= window) break;
      if (this.#inFlight.has(e.id)) continue;
      let topic: string;
      try {
        topic = streamTopic(sensor, e.stream);
      } catch {
        // An entry we can never ship (unknown stream): count it and let it go.
        this.#deps.counters.drop('ship_bad_stream', 1, e.stream);
        this.#deps.spool.ack(e.id);
        continue;
      }
      this.#inFlight.add(e.id);
      const payload = e.payload;
      c.publish(topic, payload, { qos: 1 }).then(
        () => {
          this.#inFlight.delete(e.id);
          // After ack the spool forgets the entry (and its file): use the bytes we sent.
          this.#deps.spool.ack(e.id);
          this.#deps.counters.inc('ship_batches');
          this.#deps.counters.inc('ship_bytes', payload.length);
          this.#pump();
          this.#checkIdle();
        },
        () => {
          // Only stop() rejects a QoS 1 publish: the batch stays spooled for the next run.
          this.#inFlight.delete(e.id);
        },
      );
    }
    this.#checkIdle();
  }

  #checkIdle(): void {
    if (this.#idleWaiters.length === 0 || !this.drained()) return;
    for (const w of this.#idleWaiters.splice(0)) w.resolve();
  }

  #message(m: IncomingMessage): void {
    const d = this.#deps;
    const sensor = d.status.sensor;
    const name = commandName(sensor, m.topic);
    if (name === null) {
      d.counters.drop('cmd_bad_topic', 1, m.topic);
      return;
    }
    if (m.payload.length === 0) return; // a cleared retained command
    const max = d.maxCommandBytes ?? 256 * 1024;
    if (m.payload.length > max) {
      d.counters.drop('cmd_too_large', 1, `${m.topic} ${m.payload.length} bytes`);
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(utf8Decode(m.payload));
    } catch {
      d.counters.drop('cmd_bad_json', 1, m.topic);
      return;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      d.counters.drop('cmd_not_object', 1, m.topic);
      return;
    }
    d.counters.inc('cmd_received');
    try {
      d.onCommand?.(name, value, { topic: m.topic, retained: m.retain, broadcast: !m.topic.startsWith(`netledger/v1/${sensor}/`) });
    } catch (e) {
      d.counters.drop('cmd_handler_failed', 1, `${name}: ${(e as Error).message}`);
    }
  }
}
