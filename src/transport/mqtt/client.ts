// MQTT 3.1.1 client over an abstract byte stream. A reconnect is a new stream from the
// `connect()` factory (here: a new nc or openssl child). QoS 1 publishes are kept until their
// PUBACK and re-sent with DUP and the same packet id after a reconnect (MQTT-4.4.0-1, clean
// session off). Half-open links are found by keepalive: a PINGREQ without any answer within
// `pingTimeoutMs` drops the stream. All timers go through the Host.
import { rejectLater } from '../../reject-later';
import type { Host, TimerHandle } from '../../host/types';
import type { Counters } from '../../counters';
import { decodeBrokerBody, encodeClient, malformed, type ClientPacket, type ConnectPacket, type PublishPacket, type Subscription, type Will } from './packet';
import { PacketParser } from './parser';

type BrokerPacket = ReturnType<typeof decodeBrokerBody>;
import { utf8Encode } from '../../compat/utf8';
import { maxOf, minOf, errorText } from '../../compat/lang';

export interface ByteStream {
  write_(b: Uint8Array): void;
  onData_(cb: (b: Uint8Array) => void): void;
  /** Called once when the stream ends, with why (child's stderr, EOF, or 'closed'). */
  onClose_(cb: (reason: string) => void): void;
  close_(): void;
}

export interface MqttClientOptions {
  clientId_: string;
  /** Opens a new stream to the broker; may throw (counted as a failed attempt). */
  connect_: () => ByteStream;
  username_?: string;
  password_?: string;
  keepaliveSec_?: number;
  /** Default false: the broker keeps our subscriptions and unacknowledged QoS 1 messages. */
  cleanSession_?: boolean;
  will_?: Will;
  /** QoS 1 publishes awaiting PUBACK at once. Default 16. */
  inflight_?: number;
  /** QoS 1 publishes queued behind the window before publish() refuses. Default 10000. */
  maxQueued_?: number;
  /** Largest packet accepted from the broker. Default 1 MiB. */
  maxIncoming_?: number;
  connectTimeoutMs_?: number;
  /** Deadline for any packet after a PINGREQ. Default keepalive/2, at least 1 s. */
  pingTimeoutMs_?: number;
  backoffMinMs_?: number;
  backoffMaxMs_?: number;
  /** Consecutive failed connection attempts before giving up (fatal). Default: never. */
  maxAttempts_?: number;
  /** [0,1) source for backoff jitter; injectable for tests. */
  random_?: () => number;
}

export interface MqttClientDeps {
  host_: Host;
  counters_: Counters;
  options_: MqttClientOptions;
  log_?: (msg: string) => void;
}

/** A message the broker sent: the PUBLISH packet itself (topic, payload, retain, qos). */
export type IncomingMessage = PublishPacket;

/** Why a broker refused the connection, by CONNACK return code 1..5 (MQTT-3.2.2.3). */
const CONNACK_ERRORS = [
  '', 'unacceptable protocol version', 'client identifier rejected', 'server unavailable',
  'bad user name or password', 'not authorized (check user name and password)',
];

interface Outgoing {
  packet_: PublishPacket;
  resolve_: () => void;
  reject_: (e: Error) => void;
}

interface PendingSub {
  resolve_: (granted: number[]) => void;
  reject_: (e: Error) => void;
}

// Ordered so that one comparison asks "connecting or connected" (< Waiting), and "waiting or
// stopped" (>= Waiting: down() never runs before start_(), in Idle).
const enum State { Connecting, Connected, Waiting, Stopped, Idle }

export type MqttClient = ReturnType<typeof mqttClient>;

const noop = (): void => {};
/** Resolves once `until` calls its argument or after `ms`, whichever is first. */
export const within = (host: Host, ms: number, until: (done: () => void) => void): Promise<void> =>
  new Promise((resolve) => {
    const t = host.setTimeout(resolve, ms);
    until(() => {
      host.clearTimer(t);
      resolve();
    });
  });

/** A settled promise to answer with (one is enough: nothing can change it). */
export const RESOLVED: Promise<void> = Promise.resolve();

/** A promise rejected (a microtask later) with Error(message). */
const refuse = (message: string): Promise<never> => rejectLater(new Error(message));

/**
 * The client: one closure over its state (locals are shorter in the bundle than fields). The
 * owner sets the listeners on the returned object: onConnect_; onDown_ (the stream went away: a
 * reconnect is scheduled unless stopped or fatal); onMessage_; onFatal_ (maxAttempts exhausted:
 * the client stopped and will not retry).
 */
export const mqttClient = ({ host_: host, counters_: counters, options_: o, log_: log }: MqttClientDeps) => {
  const keepalive = o.keepaliveSec_ ?? 60;
  let state = State.Idle;
  let stream: ByteStream | null = null;
  let parser: PacketParser<BrokerPacket> | null = null;
  /** Called when the stream closed after stop(). */
  let streamGone: (() => void) | undefined;
  const inflight = new Map<number, Outgoing>();
  const queue: Outgoing[] = [];
  const subs = new Map<number, PendingSub>();
  let nextId = 1;
  let attempts = 0;
  let timers: TimerHandle[] = [];
  let lastSent = 0;
  let lastRecv = 0;
  let pingSentAt = 0;

  const api = {
    onConnect_: noop as (sessionPresent: boolean) => void,
    onDown_: noop as (reason: string) => void,
    onMessage_: noop as (m: IncomingMessage) => void,
    onFatal_: noop as (e: Error) => void,
    /** Why the last connection ended or failed (null while connected). */
    lastError_: null as string | null,

    start_(): void {
      if (state === State.Idle) open();
    },

    get connected(): boolean { return state === State.Connected; },

    /**
     * QoS 0 resolves once written (rejects when not connected). QoS 1 resolves on PUBACK; it is
     * queued while disconnected and survives reconnects; only stop() rejects it.
     */
    publish_(topic: string, payload: Uint8Array, qos: 0 | 1 = 0, retain = false): Promise<void> {
      const packet: PublishPacket = { cmd: 'publish', topic, payload, qos, retain, dup: false };
      if (state === State.Stopped) return refuse('mqtt client stopped');
      if (!qos) {
        if (state !== State.Connected) return refuse('mqtt not connected');
        try {
          send(packet);
        } catch (e) {
          return rejectLater(e as Error);
        }
        return RESOLVED;
      }
      const max = o.maxQueued_ ?? 10000;
      if (queue.length >= max) {
        counters.drop('mqtt_queue_full', 1, topic);
        return refuse(`mqtt publish queue full (${max})`);
      }
      // Encode now so a bad topic fails here, not inside the pump.
      encodeClient({ ...packet, messageId: 1 });
      return new Promise<void>((resolve_, reject_) => {
        queue.push({ packet_: packet, resolve_, reject_ });
        pump();
      });
    },

    /** Subscribes on the current connection; resolves with the granted QoS per filter. */
    subscribe_(subscriptions: Subscription[]): Promise<number[]> {
      if (state !== State.Connected) return refuse('mqtt not connected');
      const messageId = allocId();
      return new Promise((resolve_, reject_) => {
        subs.set(messageId, { resolve_, reject_ });
        send({ cmd: 'subscribe', messageId, subscriptions_: subscriptions });
      });
    },

    /**
     * Sends DISCONNECT when connected (so the will is not published), closes, rejects pending.
     * Resolves once the stream is gone (bounded by `graceMs`): until then the DISCONNECT may
     * still sit in the pipe to the helper, and a process that exits at once would lose it.
     */
    stop_(graceMs = 2000): Promise<void> {
      let gone = RESOLVED;
      if (state === State.Stopped) return gone;
      const wasConnected = state === State.Connected;
      state = State.Stopped;
      clearTimers();
      const s = stream;
      if (s) {
        try {
          if (wasConnected) send({ cmd: 'disconnect' });
        } catch { /* the stream is going anyway */ }
        gone = within(host, graceMs, (done) => (streamGone = done));
        stream = null;
        s.close_();
      }
      const err = new Error('mqtt client stopped');
      for (const x of [...inflight.values(), ...queue, ...subs.values()]) x.reject_(err);
      inflight.clear();
      queue.length = 0;
      subs.clear();
      return gone;
    },
  };

  // ---- connection lifecycle ------------------------------------------------------------------

  const open = (): void => {
    state = State.Connecting;
    attempts++;
    counters.inc('mqtt_connect_attempts');
    let s: ByteStream;
    try {
      s = o.connect_();
    } catch (e) {
      down(`cannot open stream: ${errorText(e)}`);
      return;
    }
    stream = s;
    parser = new PacketParser(o.maxIncoming_ ?? 1 << 20, decodeBrokerBody);
    s.onData_((b) => {
      if (stream === s) receive(b);
    });
    s.onClose_((reason) => {
      if (state === State.Stopped) {
        streamGone?.();
        streamGone = undefined;
      } else if (stream === s) {
        stream = null;
        down(reason || 'stream closed');
      }
    });
    // clientId_, cleanSession_ (absent: false), username_ and will_ are the options' own
    send({ ...o, cmd: 'connect', keepalive_: keepalive, password_: o.password_ !== undefined ? utf8Encode(o.password_) : undefined } as ConnectPacket);
    const limit = o.connectTimeoutMs_ ?? 10000;
    timers.push(host.setTimeout(() => {
      if (state === State.Connecting && stream === s) drop(`no CONNACK within ${limit} ms`);
    }, limit));
  };

  /** Ends the current stream on our initiative (protocol error, timeout). */
  const drop = (reason: string): void => {
    const s = stream;
    stream = null;
    s?.close_();
    down(reason);
  };

  const down = (reason: string): void => {
    if (state >= State.Waiting) return;
    log?.(`mqtt: connection ${state ? 'lost' : 'failed'}: ${reason}`); // state: Connected or Connecting
    clearTimers();
    parser = null;
    api.lastError_ = reason;
    counters.inc('mqtt_disconnects');
    // In-flight publishes stay in `inflight` for the resend; pending SUBSCRIBEs die with the link.
    const err = new Error(`mqtt connection lost: ${reason}`);
    for (const x of subs.values()) x.reject_(err);
    subs.clear();
    guard(api.onDown_, reason);
    if (attempts >= (o.maxAttempts_ ?? Infinity)) {
      const fatal = new Error(`mqtt: giving up after ${attempts} attempts: ${reason}`);
      api.stop_();
      guard(api.onFatal_, fatal);
      return;
    }
    state = State.Waiting;
    const base = minOf(o.backoffMaxMs_ ?? 60000, (o.backoffMinMs_ ?? 1000) * 2 ** minOf(attempts - 1, 20));
    // "Equal jitter": half fixed, half random, so a fleet that lost one broker spreads out.
    // With the link's timers: stop_() clears it (clearing one that fired is harmless).
    timers.push(host.setTimeout(() => {
      if (state === State.Waiting) open();
    }, Math.round(base / 2 + (o.random_ ?? Math.random)() * base / 2)));
  };

  const connected = (sessionPresent: boolean): void => {
    state = State.Connected;
    api.lastError_ = null;
    counters.inc('mqtt_connects');
    clearTimers();
    const ka = keepalive * 1000; // 0: no keepalive
    if (ka > 0) timers.push(host.setInterval(() => tick(ka), maxOf(100, minOf(1000, ka / 4))));
    // Re-send what the last connection left unacknowledged, in the original order.
    for (const x of inflight.values()) {
      x.packet_.dup = true;
      counters.inc('mqtt_resent');
      send(x.packet_);
    }
    guard(api.onConnect_, sessionPresent);
    pump();
  };

  /** `ka`: the keepalive in ms. */
  const tick = (ka: number): void => {
    if (state !== State.Connected) return;
    const now = host.monotonic();
    if (pingSentAt) {
      const limit = o.pingTimeoutMs_ ?? maxOf(1000, ka / 2);
      if (now - pingSentAt >= limit) {
        counters.inc('mqtt_ping_timeouts');
        drop(`keepalive: no PINGRESP within ${limit} ms (half-open connection)`);
      }
    } else if (now - lastSent >= ka || now - lastRecv >= ka) {
      // Ping when we have been quiet (MQTT-3.1.2-23) or the broker has: a silent broker while
      // we keep publishing is how a half-open link looks.
      pingSentAt = now;
      send({ cmd: 'pingreq' });
    }
  };

  // ---- packets -------------------------------------------------------------------------------

  const send = (p: ClientPacket): void => {
    if (!stream) throw new Error('mqtt not connected');
    lastSent = host.monotonic();
    stream.write_(encodeClient(p));
  };

  const receive = (b: Uint8Array): void => {
    lastRecv = host.monotonic();
    try {
      parser!.push_(b, handle);
    } catch (e) {
      if (state >= State.Waiting) return;
      const m = errorText(e);
      counters.drop('mqtt_bad_packet', 1, m);
      drop(`bad packet from broker: ${m}`);
    }
  };

  const handle = (p: BrokerPacket): void => {
    if (!stream) return;
    if (state === State.Connecting) {
      if (p.cmd !== 'connack') malformed(`expected CONNACK, got ${p.cmd.toUpperCase()}`);
      const code = p.returnCode_;
      if (code) {
        counters.inc('mqtt_refused');
        drop(`connection refused: ${CONNACK_ERRORS[code] || `return code ${code}`}`);
      } else connected(p.sessionPresent_);
      return;
    }
    pingSentAt = 0; // any packet proves the link is alive
    // and the broker sane: only now the attempts start again from 0 (a CONNACK alone did, so a
    // broker that accepts and then sends garbage or drops us was retried forever at full speed)
    attempts = 0;
    switch (p.cmd) {
      case 'puback': {
        const x = inflight.get(p.messageId);
        if (!x) return counters.drop('mqtt_unknown_puback', 1, `${p.messageId}`);
        inflight.delete(p.messageId);
        counters.inc('mqtt_acked');
        guard(x.resolve_);
        return pump();
      }
      case 'suback': {
        const x = subs.get(p.messageId);
        if (!x) return;
        subs.delete(p.messageId);
        if (p.granted_.includes(0x80)) x.reject_(new Error(`mqtt subscription refused by broker (granted ${p.granted_.join(',')})`));
        else x.resolve_(p.granted_);
        return;
      }
      case 'publish':
        // We never subscribe with QoS 2; a broker sending it is broken. Count and ignore.
        if (p.qos === 2) return counters.drop('mqtt_qos2_publish', 1, p.topic);
        guard(api.onMessage_, p);
        if (p.qos) send({ cmd: 'puback', messageId: p.messageId! });
        return;
      case 'pingresp':
        return;
      default:
        counters.drop('mqtt_unexpected_packet', 1, p.cmd);
    }
  };

  /** Moves queued QoS 1 publishes into the window while connected. */
  const pump = (): void => {
    const max = o.inflight_ ?? 16;
    while (state === State.Connected && inflight.size < max && queue.length) {
      const x = queue.shift()!;
      inflight.set(x.packet_.messageId = allocId(), x);
      send(x.packet_);
    }
  };

  const allocId = (): number => {
    for (let i = 0; i < 65535; i++) {
      const id = nextId;
      nextId = id === 65535 ? 1 : id + 1;
      if (!inflight.has(id) && !subs.has(id)) return id;
    }
    throw new Error('mqtt: no free packet id');
  };

  /** Calls a listener (as a plain function) with `arg`; what it throws is logged. */
  const guard = <A>(fn: (arg: A) => void, arg?: A): void => {
    try {
      fn(arg as A);
    } catch (e) {
      log?.(`mqtt: listener failed: ${errorText(e)}`);
    }
  };

  const clearTimers = (): void => {
    for (const t of timers) host.clearTimer(t);
    timers = [];
    pingSentAt = 0;
  };

  return api;
};
