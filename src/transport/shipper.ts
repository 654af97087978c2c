// Drives spool → MQTT: spooled batches go out oldest first on netledger/v1/<sensor>/<stream>.
// QoS 1 (the default): at most `window` awaiting PUBACK; a batch leaves the spool only on its
// PUBACK. After a reconnect the client re-sends what was in flight (clean session off, so the
// broker may hold a copy too: a batch's (sensor, boot, seq) lets consumers drop duplicates).
// QoS 0: a batch leaves the spool once written to a connected link (lost if that link drops);
// while disconnected batches wait in the spool as with QoS 1.
// On connect: the retained `online` status (the will says `offline`) and the command
// subscriptions. Commands are bounded in size, must be JSON objects, and reach onCommand.
import { rejectLater } from '../reject-later';
import type { Host } from '../host/types';
import type { Counters } from '../counters';
import { mqttClient, within, RESOLVED, type MqttClient, type ByteStream, type IncomingMessage, type MqttClientOptions } from './mqtt/client';
import { commandFilters, commandName, statusTopic, streamTopic, checkSensorId } from './topics';
import { statusPayload, type StatusInfo } from './status';
import { utf8Decode } from '../compat/utf8';
import { maxOf, isRecord, errorText } from '../compat/lang';

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
  /** MQTT settings except what the shipper decides (will, clean session). */
  mqtt_?: Omit<MqttClientOptions, 'clientId_' | 'connect_' | 'will_' | 'cleanSession_'>;
  /** The MQTT client id; '' or absent: the sensor id. */
  clientId_?: string;
  /** QoS of the batches (status and commands stay 1). Default 1. */
  qos_?: 0 | 1;
  /** QoS 1 batches awaiting PUBACK at once. Default 8. */
  window_?: number;
  /** Largest command payload accepted, bytes. Default 256 KiB. */
  maxCommandBytes_?: number;
  onCommand_?: (name: string, payload: unknown, meta: CommandMeta) => void;
  log_?: (msg: string) => void;
}

export type Shipper = ReturnType<typeof shipper>;

/** The shipper: one closure over its state (locals are shorter in the bundle than fields). */
export const shipper = (d: ShipperDeps) => {
  const { host_: host, counters_: counters, spool_: spool, status_: status, log_: log, onCommand_: onCommand } = d;
  const sensor = status.sensor;
  const maxCmd = d.maxCommandBytes_ ?? 262144; // 256 KiB
  const window = maxOf(d.window_ ?? 8, 1);
  const qos = d.qos_ ?? 1;
  let client: MqttClient | undefined;
  const inFlight = new Set<string>();
  let idleWaiters: [resolve: () => void, reject: (e: Error) => void][] = [];
  let fatal: Error | undefined;
  let stopped = false;
  /** An `online` status not yet acknowledged: the client re-sends it on the next connection. */
  let onlinePending = false;

  /** Nothing spooled and nothing in flight (awaiting its PUBACK, or at QoS 0 its write). */
  const drained = (): boolean => !inFlight.size && !spool.pending_().length;

  /** The retained presence message. */
  const publishStatus = (state: 'online' | 'offline'): Promise<void> =>
    client!.publish_(statusTopic(sensor), statusPayload(status, state, host.now()), 1, true);

  const pump = (): void => {
    const c = client;
    // QoS 0 goes out only on a live link (the client refuses it otherwise); QoS 1 queues in the client.
    if (c && !stopped && (qos || c.connected)) for (const e of spool.pending_()) {
      if (inFlight.size >= window) break;
      if (inFlight.has(e.id_)) continue;
      let topic: string;
      try {
        topic = streamTopic(sensor, e.stream_);
      } catch {
        // An entry we can never ship (unknown stream): count it and let it go.
        counters.drop('ship_bad_stream', 1, e.stream_);
        spool.ack_(e.id_);
        continue;
      }
      inFlight.add(e.id_);
      const payload = e.payload_;
      c.publish_(topic, payload, qos).then(
        () => {
          inFlight.delete(e.id_);
          // Acknowledged (QoS 1) or written (QoS 0): the spool forgets the entry (and its file),
          // so count the bytes we sent.
          spool.ack_(e.id_);
          counters.inc('ship_batches');
          counters.inc('ship_bytes', payload.length);
          pump();
        },
        // Only stop() rejects a QoS 1 publish, and a lost link a QoS 0 one: the batch stays spooled.
        () => inFlight.delete(e.id_),
      );
    }
    if (idleWaiters.length && drained()) for (const w of idleWaiters.splice(0)) w[0]();
  };

  const message = (m: IncomingMessage): void => {
    const { topic, payload } = m;
    const name = commandName(sensor, topic);
    if (name === null) return counters.drop('cmd_bad_topic', 1, topic);
    if (!payload.length) return; // a cleared retained command
    if (payload.length > maxCmd) return counters.drop('cmd_too_large', 1, `${topic} ${payload.length} bytes`);
    let value: unknown;
    try {
      value = JSON.parse(utf8Decode(payload));
    } catch {
      return counters.drop('cmd_bad_json', 1, topic);
    }
    if (!isRecord(value)) return counters.drop('cmd_not_object', 1, topic);
    counters.inc('cmd_received');
    try {
      onCommand?.(name, value, { topic_: topic, retained_: m.retain, broadcast_: !topic.startsWith(`netledger/v1/${sensor}/`) });
    } catch (e) {
      counters.drop('cmd_handler_failed', 1, `${name}: ${errorText(e)}`);
    }
  };

  return {
    start_(): void {
      if (client) return;
      checkSensorId(sensor);
      const c = client = mqttClient({
        host_: host,
        counters_: counters,
        log_: log,
        options_: {
          maxIncoming_: maxCmd + 1024,
          ...d.mqtt_,
          clientId_: d.clientId_ || sensor,
          connect_: d.connect_,
          cleanSession_: false,
          will_: { topic: statusTopic(sensor), payload: statusPayload(status, 'offline', host.now()), qos: 1, retain: true },
          inflight_: window + 2, // room for status and commands' own publishes
        },
      });
      c.onConnect_ = () => {
        const warn = (what: string) => (e: Error): void => log?.(`mqtt: ${what}: ${e.message}`);
        // Only one: a link that drops before the PUBACK would otherwise add one per reconnect
        // (all re-sent each time, stale ones included), up to the publish queue's cap.
        if (!onlinePending) {
          onlinePending = true;
          publishStatus('online').catch(warn('online status not acknowledged')).finally(() => { onlinePending = false; });
        }
        if (onCommand) {
          c.subscribe_(commandFilters(sensor).map((topic) => ({ topic, qos: 1 as const }))).catch(warn('command subscription failed'));
        }
        pump();
      };
      c.onMessage_ = message;
      c.onFatal_ = (e) => {
        fatal = e;
        for (const w of idleWaiters.splice(0)) w[1](e);
      };
      c.start_();
    },

    /** New batches were spooled: publish what the window allows. */
    kick_: pump,

    drained_: drained,

    /**
     * Resolves once drained, every batch acknowledged (QoS 1) or written (QoS 0): replay exits 0
     * only then. Rejects when the client gives up.
     */
    idle_: (): Promise<void> =>
      fatal ? rejectLater(fatal) : drained() ? RESOLVED : new Promise((resolve, reject) => idleWaiters.push([resolve, reject])),

    get connected_(): boolean {
      return client?.connected ?? false;
    },

    get lastError_(): string | null {
      return fatal?.message ?? client?.lastError_ ?? null;
    },

    /**
     * Clean stop: when connected, publishes the retained `offline` status (a DISCONNECT
     * suppresses the will) and waits up to `graceMs` for its PUBACK, then disconnects. Unsent
     * batches stay spooled for the next start.
     */
    async stop_(graceMs = 2000): Promise<void> {
      await null; // a throw before the first await would end qjs (src/reject-later.ts)
      const c = client;
      if (stopped || !c) return;
      stopped = true;
      if (c.connected) {
        const sent = publishStatus('offline');
        await within(host, graceMs, (done) => sent.then(done, done));
      }
      await c.stop_();
    },
  };
};
