// Drives spool → MQTT: spooled batches go out oldest first with QoS 1 on
// netledger/v1/<sensor>/<stream>, at most `window` awaiting PUBACK; a batch leaves the spool only
// on its PUBACK. After a reconnect the client re-sends what was in flight (clean session off, so
// the broker may hold a copy too: a batch's (sensor, boot, seq) lets consumers drop duplicates).
// On connect: the retained `online` status (the will says `offline`) and the command
// subscriptions. Commands are bounded in size, must be JSON objects, and reach onCommand.
import { rejectLater } from '../reject-later';
import type { Host } from '../host/types';
import type { Counters } from '../counters';
import { mqttClient, type MqttClient, type ByteStream, type IncomingMessage, type MqttClientOptions } from './mqtt/client';
import { commandFilters, commandName, statusTopic, streamTopic, checkSensorId } from './topics';
import { statusPayload, type StatusInfo } from './status';
import { utf8Decode } from '../compat/utf8';
import { maxOf, WithDeps, isRecord } from '../compat/lang';

/** What the shipper needs of src/transport/spool.ts. */
export interface SpoolEntry {
  id_: string;
  stream_: string;
  payload_: Uint8Array;
}
export interface SpoolLike {
  /** Oldest first; order kept within a stream. */
  pending_(): SpoolEntry[];
  ack_(id: string): void;
}

export interface CommandMeta {
  topic_: string;
  retained_: boolean;
  /** true when sent to netledger/v1/all/cmd/... rather than to this sensor. */
  broadcast_: boolean;
}

export interface ShipperDeps {
  host_: Host;
  counters_: Counters;
  spool_: SpoolLike;
  /** Sensor id, version, start time and capabilities for the status messages. */
  status_: StatusInfo;
  /** Opens a new byte stream to the broker (brokerStreamFactory in stream.ts). */
  connect_: () => ByteStream;
  /** MQTT settings except what the shipper decides (client id, will, clean session). */
  mqtt_?: Omit<MqttClientOptions, 'clientId_' | 'connect_' | 'will' | 'cleanSession'>;
  /** QoS 1 batches awaiting PUBACK at once. Default 8. */
  window_?: number;
  /** Largest command payload accepted, bytes. Default 256 KiB. */
  maxCommandBytes_?: number;
  onCommand_?: (name: string, payload: unknown, meta: CommandMeta) => void;
  log_?: (msg: string) => void;
}

export class Shipper extends WithDeps<ShipperDeps> {
  declare private client_?: MqttClient | null;
  private readonly inFlight_ = new Set<string>();
  private idleWaiters_: { resolve: () => void; reject: (e: Error) => void }[] = [];
  declare private fatal_?: Error | null;
  declare private stopped_?: boolean;

  start_(): void {
    if (this.client_) return;
    const d = this.deps_;
    const sensor = checkSensorId(d.status_.sensor);
    const maxCmd = d.maxCommandBytes_ ?? 262144; // 256 KiB
    const client = mqttClient({
      host_: d.host_,
      counters_: d.counters_,
      log_: d.log_,
      options_: {
        maxIncoming_: maxCmd + 1024,
        ...d.mqtt_,
        clientId_: sensor,
        connect_: d.connect_,
        cleanSession_: false,
        will_: { topic: statusTopic(sensor), payload: statusPayload(d.status_, 'offline', d.host_.now()), qos: 1, retain: true },
        inflight_: maxOf(d.window_ ?? 8, 1) + 2, // room for status and commands' own publishes
      },
    });
    this.client_ = client;
    client.onConnect_ = () => this.online_();
    client.onMessage_ = (m) => this.message_(m);
    client.onFatal_ = (e) => {
      this.fatal_ = e;
      for (const w of this.idleWaiters_.splice(0)) w.reject(e);
    };
    client.start_();
  }

  /** New batches were spooled: publish what the window allows. */
  kick_(): void {
    this.pump_();
  }

  /** Nothing spooled and nothing awaiting PUBACK. */
  drained_(): boolean {
    return this.inFlight_.size === 0 && this.deps_.spool_.pending_().length === 0;
  }

  /** Resolves once drained (replay exits 0 only then); rejects when the client gives up. */
  idle_(): Promise<void> {
    if (this.fatal_) return rejectLater(this.fatal_);
    if (this.drained_()) return Promise.resolve();
    return new Promise((resolve, reject) => this.idleWaiters_.push({ resolve, reject }));
  }

  get connected_(): boolean {
    return this.client_?.connected ?? false;
  }

  get lastError_(): string | null {
    return this.fatal_?.message ?? this.client_?.lastError_ ?? null;
  }

  /**
   * Clean stop: when connected, publishes the retained `offline` status (a DISCONNECT suppresses
   * the will) and waits up to `graceMs` for its PUBACK, then disconnects. Unsent batches stay
   * spooled for the next start.
   */
  async stop_(graceMs = 2000): Promise<void> {
    await null; // a throw before the first await would end qjs (src/reject-later.ts)
    if (this.stopped_ || !this.client_) return;
    this.stopped_ = true;
    const client = this.client_;
    if (client.connected) {
      const sent = this.publishStatus_('offline');
      await new Promise<void>((resolve) => {
        const t = this.deps_.host_.setTimeout(resolve, graceMs);
        sent.then(() => { this.deps_.host_.clearTimer(t); resolve(); }, () => resolve());
      });
    }
    await client.stop_();
  }

  /** The retained presence message. */
  private publishStatus_(state: 'online' | 'offline'): Promise<void> {
    const s = this.deps_.status_;
    return this.client_!.publish_(statusTopic(s.sensor), statusPayload(s, state, this.deps_.host_.now()), 1, true);
  }

  private online_(): void {
    const d = this.deps_;
    const warn = (what: string) => (e: Error): void => d.log_?.(`mqtt: ${what}: ${e.message}`);
    this.publishStatus_('online').catch(warn('online status not acknowledged'));
    if (d.onCommand_) {
      this.client_!.subscribe_(commandFilters(d.status_.sensor).map((topic) => ({ topic, qos: 1 as const })))
        .catch(warn('command subscription failed'));
    }
    this.pump_();
  }

  private pump_(): void {
    const c = this.client_;
    if (!c || this.stopped_) return;
    const window = maxOf(this.deps_.window_ ?? 8, 1);
    if (this.inFlight_.size >= window) return;
    const sensor = this.deps_.status_.sensor;
    for (const e of this.deps_.spool_.pending_()) {
      if (this.inFlight_.size >= window) break;
      if (this.inFlight_.has(e.id_)) continue;
      let topic: string;
      try {
        topic = streamTopic(sensor, e.stream_);
      } catch {
        // An entry we can never ship (unknown stream): count it and let it go.
        this.deps_.counters_.drop('ship_bad_stream', 1, e.stream_);
        this.deps_.spool_.ack_(e.id_);
        continue;
      }
      this.inFlight_.add(e.id_);
      const payload = e.payload_;
      c.publish_(topic, payload, 1).then(
        () => {
          this.inFlight_.delete(e.id_);
          // After ack the spool forgets the entry (and its file): use the bytes we sent.
          this.deps_.spool_.ack_(e.id_);
          this.deps_.counters_.inc('ship_batches');
          this.deps_.counters_.inc('ship_bytes', payload.length);
          this.pump_();
          this.checkIdle_();
        },
        () => {
          // Only stop() rejects a QoS 1 publish: the batch stays spooled for the next run.
          this.inFlight_.delete(e.id_);
        },
      );
    }
    this.checkIdle_();
  }

  private checkIdle_(): void {
    if (this.idleWaiters_.length === 0 || !this.drained_()) return;
    for (const w of this.idleWaiters_.splice(0)) w.resolve();
  }

  private message_(m: IncomingMessage): void {
    const d = this.deps_;
    const sensor = d.status_.sensor;
    const name = commandName(sensor, m.topic_);
    if (name === null) {
      d.counters_.drop('cmd_bad_topic', 1, m.topic_);
      return;
    }
    if (m.payload_.length === 0) return; // a cleared retained command
    const max = d.maxCommandBytes_ ?? 262144; // 256 KiB
    if (m.payload_.length > max) {
      d.counters_.drop('cmd_too_large', 1, `${m.topic_} ${m.payload_.length} bytes`);
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(utf8Decode(m.payload_));
    } catch {
      d.counters_.drop('cmd_bad_json', 1, m.topic_);
      return;
    }
    if (!isRecord(value)) {
      d.counters_.drop('cmd_not_object', 1, m.topic_);
      return;
    }
    d.counters_.inc('cmd_received');
    try {
      d.onCommand_?.(name, value, { topic_: m.topic_, retained_: m.retain_, broadcast_: !m.topic_.startsWith(`netledger/v1/${sensor}/`) });
    } catch (e) {
      d.counters_.drop('cmd_handler_failed', 1, `${name}: ${(e as Error).message}`);
    }
  }
}
