// MQTT 3.1.1 client over an abstract byte stream. A reconnect is a new stream from the
// `connect()` factory (here: a new nc or openssl child). QoS 1 publishes are kept until their
// PUBACK and re-sent with DUP and the same packet id after a reconnect (MQTT-4.4.0-1, clean
// session off). Half-open links are found by keepalive: a PINGREQ without any answer within
// `pingTimeoutMs` drops the stream. All timers go through the Host.
import { rejectLater } from '../../reject-later';
import type { Host, TimerHandle } from '../../host/types';
import type { Counters } from '../../counters';
import { decodeBrokerBody, encodeClient, type ClientPacket, type PublishPacket, type QoS, type Subscription, type Will } from './packet';
import { PacketParser } from './parser';

type BrokerPacket = ReturnType<typeof decodeBrokerBody>;
import { utf8Encode } from '../../compat/utf8';

export interface ByteStream {
  write(b: Uint8Array): void;
  onData(cb: (b: Uint8Array) => void): void;
  /** Called once when the stream ends, with why (child's stderr, EOF, or 'closed'). */
  onClose(cb: (reason: string) => void): void;
  close(): void;
}

export interface MqttClientOptions {
  clientId: string;
  /** Opens a new stream to the broker; may throw (counted as a failed attempt). */
  connect: () => ByteStream;
  username?: string;
  password?: string;
  keepaliveSec?: number;
  /** Default false: the broker keeps our subscriptions and unacknowledged QoS 1 messages. */
  cleanSession?: boolean;
  will?: Will;
  /** QoS 1 publishes awaiting PUBACK at once. Default 16. */
  inflight?: number;
  /** QoS 1 publishes queued behind the window before publish() refuses. Default 10000. */
  maxQueued?: number;
  /** Largest packet accepted from the broker. Default 1 MiB. */
  maxIncoming?: number;
  connectTimeoutMs?: number;
  /** Deadline for any packet after a PINGREQ. Default keepalive/2, at least 1 s. */
  pingTimeoutMs?: number;
  backoffMinMs?: number;
  backoffMaxMs?: number;
  /** Consecutive failed connection attempts before giving up (fatal). Default: never. */
  maxAttempts?: number;
  /** [0,1) source for backoff jitter; injectable for tests. */
  random?: () => number;
}

export interface MqttClientDeps {
  host: Host;
  counters: Counters;
  options: MqttClientOptions;
  log?: (msg: string) => void;
}

export interface IncomingMessage {
  topic: string;
  payload: Uint8Array;
  retain: boolean;
  qos: QoS;
}

/** CONNACK return codes (MQTT-3.2.2.3) as words an operator can act on. */
export const CONNACK_ERRORS: Record<number, string> = {
  1: 'connection refused: unacceptable protocol version',
  2: 'connection refused: client identifier rejected',
  3: 'connection refused: server unavailable',
  4: 'connection refused: bad user name or password',
  5: 'connection refused: not authorized (check user name and password)',
};

interface Outgoing {
  packet: PublishPacket;
  resolve: () => void;
  reject: (e: Error) => void;
}

interface PendingSub {
  resolve: (granted: number[]) => void;
  reject: (e: Error) => void;
}

type State = 'idle' | 'connecting' | 'connected' | 'waiting' | 'stopped';

export class MqttClient {
  /** Called when the stream closed after stop(). */
  #streamGone: (() => void) | null = null;
  #state: State = 'idle';
  #stream: ByteStream | null = null;
  #parser: PacketParser<BrokerPacket> | null = null;
  readonly #inflight = new Map<number, Outgoing>();
  readonly #queue: Outgoing[] = [];
  readonly #subs = new Map<number, PendingSub>();
  #nextId = 1;
  #attempts = 0;
  #timers: TimerHandle[] = [];
  #retryTimer: TimerHandle | null = null;
  #lastSent = 0;
  #lastRecv = 0;
  #pingSentAt = 0;
  #lastErrorText: string | null = null;
  readonly #connectCbs: ((sessionPresent: boolean) => void)[] = [];
  readonly #downCbs: ((reason: string) => void)[] = [];
  readonly #messageCbs: ((m: IncomingMessage) => void)[] = [];
  readonly #fatalCbs: ((e: Error) => void)[] = [];

  readonly #deps: MqttClientDeps;
  constructor(deps: MqttClientDeps) { this.#deps = deps; }

  onConnect(cb: (sessionPresent: boolean) => void): void { this.#connectCbs.push(cb); }
  /** The stream went away (and a reconnect is scheduled unless stopped or fatal). */
  onDown(cb: (reason: string) => void): void { this.#downCbs.push(cb); }
  onMessage(cb: (m: IncomingMessage) => void): void { this.#messageCbs.push(cb); }
  /** maxAttempts exhausted: the client stopped and will not retry. */
  onFatal(cb: (e: Error) => void): void { this.#fatalCbs.push(cb); }

  start(): void {
    if (this.#state !== 'idle') return;
    this.#open();
  }

  get connected(): boolean { return this.#state === 'connected'; }
  get lastError(): string | null { return this.#lastErrorText; }
  /** QoS 1 publishes not yet acknowledged (in flight and queued). */
  get unacked(): number { return this.#inflight.size + this.#queue.length; }

  /**
   * QoS 0 resolves once written (rejects when not connected). QoS 1 resolves on PUBACK; it is
   * queued while disconnected and survives reconnects; only stop() rejects it.
   */
  publish(topic: string, payload: Uint8Array, opts: { qos?: 0 | 1; retain?: boolean } = {}): Promise<void> {
    const qos = opts.qos ?? 0;
    const packet: PublishPacket = { cmd: 'publish', topic, payload, qos, retain: opts.retain ?? false, dup: false };
    if (this.#state === 'stopped') return rejectLater(new Error('mqtt client stopped'));
    if (qos === 0) {
      if (this.#state !== 'connected') return rejectLater(new Error('mqtt not connected'));
      try {
        this.#send(packet);
      } catch (e) {
        return rejectLater(e as Error);
      }
      return Promise.resolve();
    }
    const max = this.#deps.options.maxQueued ?? 10000;
    if (this.#queue.length >= max) {
      this.#deps.counters.drop('mqtt_queue_full', 1, topic);
      return rejectLater(new Error(`mqtt publish queue full (${max})`));
    }
    // Encode now so a bad topic fails here, not inside the pump.
    encodeClient({ ...packet, messageId: 1 });
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ packet, resolve, reject });
      this.#pump();
    });
  }

  /** Subscribes on the current connection; resolves with the granted QoS per filter. */
  subscribe(subscriptions: Subscription[]): Promise<number[]> {
    if (this.#state !== 'connected') return rejectLater(new Error('mqtt not connected'));
    const messageId = this.#allocId();
    return new Promise((resolve, reject) => {
      this.#subs.set(messageId, { resolve, reject });
      this.#send({ cmd: 'subscribe', messageId, subscriptions });
    });
  }

  /**
   * Sends DISCONNECT when connected (so the will is not published), closes, rejects pending.
   * Resolves once the stream is gone (bounded by `graceMs`): until then the DISCONNECT may still
   * sit in the pipe to the helper, and a process that exits at once would lose it.
   */
  stop(graceMs = 2000): Promise<void> {
    if (this.#state === 'stopped') return Promise.resolve();
    let gone: Promise<void> = Promise.resolve();
    const wasConnected = this.#state === 'connected';
    this.#state = 'stopped';
    this.#clearTimers();
    if (this.#retryTimer) this.#deps.host.clearTimer(this.#retryTimer);
    this.#retryTimer = null;
    if (this.#stream) {
      if (wasConnected) {
        try {
          this.#stream.write(encodeClient({ cmd: 'disconnect' }));
        } catch { /* the stream is going anyway */ }
      }
      const stream = this.#stream;
      gone = new Promise<void>((resolve) => {
        const t = this.#deps.host.setTimeout(resolve, graceMs);
        this.#streamGone = () => {
          this.#deps.host.clearTimer(t);
          resolve();
        };
      });
      this.#stream = null;
      stream.close();
    }
    const err = new Error('mqtt client stopped');
    for (const o of this.#inflight.values()) o.reject(err);
    for (const o of this.#queue) o.reject(err);
    for (const s of this.#subs.values()) s.reject(err);
    this.#inflight.clear();
    this.#queue.length = 0;
    this.#subs.clear();
    return gone;
  }

  // ---- connection lifecycle ------------------------------------------------------------------

  #open(): void {
    const o = this.#deps.options;
    this.#state = 'connecting';
    this.#attempts++;
    this.#deps.counters.inc('mqtt_connect_attempts');
    let stream: ByteStream;
    try {
      stream = o.connect();
    } catch (e) {
      this.#down(`cannot open stream: ${(e as Error).message}`);
      return;
    }
    this.#stream = stream;
    this.#parser = new PacketParser(o.maxIncoming ?? 1 << 20, decodeBrokerBody);
    stream.onData((b) => {
      if (this.#stream === stream) this.#receive(b);
    });
    stream.onClose((reason) => {
      if (this.#state === 'stopped') {
        this.#streamGone?.();
        this.#streamGone = null;
        return;
      }
      if (this.#stream === stream) {
        this.#stream = null;
        this.#down(reason || 'stream closed');
      }
    });
    const password = o.password !== undefined ? utf8Encode(o.password) : undefined;
    this.#send({
      cmd: 'connect', clientId: o.clientId, cleanSession: o.cleanSession ?? false, keepalive: o.keepaliveSec ?? 60,
      ...(o.username !== undefined ? { username: o.username } : {}),
      ...(password ? { password } : {}),
      ...(o.will ? { will: o.will } : {}),
    });
    this.#timers.push(this.#deps.host.setTimeout(() => {
      if (this.#state === 'connecting' && this.#stream === stream) this.#drop(`no CONNACK within ${o.connectTimeoutMs ?? 10000} ms`);
    }, o.connectTimeoutMs ?? 10000));
  }

  /** Ends the current stream on our initiative (protocol error, timeout). */
  #drop(reason: string): void {
    const s = this.#stream;
    this.#stream = null;
    if (s) s.close();
    this.#down(reason);
  }

  #down(reason: string): void {
    if (this.#state === 'stopped' || this.#state === 'waiting') return;
    const wasConnected = this.#state === 'connected';
    this.#clearTimers();
    this.#parser = null;
    this.#lastErrorText = reason;
    this.#deps.counters.inc('mqtt_disconnects');
    this.#deps.log?.(`mqtt: ${wasConnected ? 'connection lost' : 'connection failed'}: ${reason}`);
    // In-flight publishes stay in `inflight` for the resend; pending SUBSCRIBEs die with the link.
    const err = new Error(`mqtt connection lost: ${reason}`);
    for (const s of this.#subs.values()) s.reject(err);
    this.#subs.clear();
    for (const cb of this.#downCbs) guard(() => cb(reason), this.#deps.log);
    const o = this.#deps.options;
    if (o.maxAttempts !== undefined && this.#attempts >= o.maxAttempts) {
      const fatal = new Error(`mqtt: giving up after ${this.#attempts} attempts: ${reason}`);
      this.stop();
      for (const cb of this.#fatalCbs) guard(() => cb(fatal), this.#deps.log);
      return;
    }
    this.#state = 'waiting';
    const min = o.backoffMinMs ?? 1000;
    const max = o.backoffMaxMs ?? 60000;
    const base = Math.min(max, min * Math.pow(2, Math.min(this.#attempts - 1, 20)));
    // "Equal jitter": half fixed, half random, so a fleet that lost one broker spreads out.
    const delay = Math.round(base / 2 + (o.random ?? Math.random)() * base / 2);
    this.#retryTimer = this.#deps.host.setTimeout(() => {
      this.#retryTimer = null;
      if (this.#state === 'waiting') this.#open();
    }, delay);
  }

  #connected_(sessionPresent: boolean): void {
    this.#state = 'connected';
    this.#attempts = 0;
    this.#lastErrorText = null;
    this.#deps.counters.inc('mqtt_connects');
    this.#clearTimers();
    const ka = (this.#deps.options.keepaliveSec ?? 60) * 1000;
    if (ka > 0) this.#timers.push(this.#deps.host.setInterval(() => this.#tick(), Math.max(100, Math.min(1000, ka / 4))));
    // Re-send what the last connection left unacknowledged, in the original order.
    for (const o of this.#inflight.values()) {
      o.packet.dup = true;
      this.#deps.counters.inc('mqtt_resent');
      this.#send(o.packet);
    }
    for (const cb of this.#connectCbs) guard(() => cb(sessionPresent), this.#deps.log);
    this.#pump();
  }

  #tick(): void {
    if (this.#state !== 'connected') return;
    const now = this.#deps.host.monotonic();
    const ka = (this.#deps.options.keepaliveSec ?? 60) * 1000;
    if (this.#pingSentAt) {
      const limit = this.#deps.options.pingTimeoutMs ?? Math.max(1000, ka / 2);
      if (now - this.#pingSentAt >= limit) {
        this.#deps.counters.inc('mqtt_ping_timeouts');
        this.#drop(`keepalive: no PINGRESP within ${limit} ms (half-open connection)`);
      }
      return;
    }
    // Ping when we have been quiet (MQTT-3.1.2-23) or the broker has: a silent broker while we
    // keep publishing is how a half-open link looks.
    if (now - this.#lastSent >= ka || now - this.#lastRecv >= ka) {
      this.#pingSentAt = now;
      this.#send({ cmd: 'pingreq' });
    }
  }

  // ---- packets -------------------------------------------------------------------------------

  #send(p: ClientPacket): void {
    if (!this.#stream) throw new Error('mqtt not connected');
    this.#lastSent = this.#deps.host.monotonic();
    this.#stream.write(encodeClient(p));
  }

  #receive(b: Uint8Array): void {
    this.#lastRecv = this.#deps.host.monotonic();
    try {
      this.#parser!.push(b, (p) => this.#handle(p));
    } catch (e) {
      if (this.#state !== 'connected' && this.#state !== 'connecting') return;
      this.#deps.counters.drop('mqtt_bad_packet', 1, (e as Error).message);
      this.#drop(`bad packet from broker: ${(e as Error).message}`);
    }
  }

  #handle(p: BrokerPacket): void {
    if (!this.#stream) return;
    if (this.#state === 'connecting') {
      if (p.cmd !== 'connack') throw new Error(`mqtt: expected CONNACK, got ${p.cmd.toUpperCase()}`);
      if (p.returnCode !== 0) {
        const text = CONNACK_ERRORS[p.returnCode] ?? `connection refused: return code ${p.returnCode}`;
        this.#deps.counters.inc('mqtt_refused');
        this.#drop(text);
        return;
      }
      this.#connected_(p.sessionPresent);
      return;
    }
    this.#pingSentAt = 0; // any packet proves the link is alive
    switch (p.cmd) {
      case 'puback': {
        const o = this.#inflight.get(p.messageId);
        if (!o) {
          this.#deps.counters.drop('mqtt_unknown_puback', 1, String(p.messageId));
          return;
        }
        this.#inflight.delete(p.messageId);
        this.#deps.counters.inc('mqtt_acked');
        guard(o.resolve, this.#deps.log);
        this.#pump();
        return;
      }
      case 'suback': {
        const s = this.#subs.get(p.messageId);
        if (!s) return;
        this.#subs.delete(p.messageId);
        if (p.granted.indexOf(0x80) >= 0) s.reject(new Error(`mqtt subscription refused by broker (granted ${p.granted.join(',')})`));
        else s.resolve(p.granted);
        return;
      }
      case 'publish':
        if (p.qos === 2) {
          // We never subscribe with QoS 2; a broker sending it is broken. Count and ignore.
          this.#deps.counters.drop('mqtt_qos2_publish', 1, p.topic);
          return;
        }
        for (const cb of this.#messageCbs) guard(() => cb({ topic: p.topic, payload: p.payload, retain: p.retain, qos: p.qos }), this.#deps.log);
        if (p.qos === 1) this.#send({ cmd: 'puback', messageId: p.messageId! });
        return;
      case 'pingresp':
        return;
      default:
        this.#deps.counters.drop('mqtt_unexpected_packet', 1, p.cmd);
    }
  }

  /** Moves queued QoS 1 publishes into the window while connected. */
  #pump(): void {
    const max = this.#deps.options.inflight ?? 16;
    while (this.#state === 'connected' && this.#inflight.size < max && this.#queue.length > 0) {
      const o = this.#queue.shift()!;
      o.packet.messageId = this.#allocId();
      this.#inflight.set(o.packet.messageId, o);
      this.#send(o.packet);
    }
  }

  #allocId(): number {
    for (let i = 0; i < 65535; i++) {
      const id = this.#nextId;
      this.#nextId = id === 65535 ? 1 : id + 1;
      if (!this.#inflight.has(id) && !this.#subs.has(id)) return id;
    }
    throw new Error('mqtt: no free packet id');
  }

  #clearTimers(): void {
    for (const t of this.#timers) this.#deps.host.clearTimer(t);
    this.#timers = [];
    this.#pingSentAt = 0;
  }
}

function guard(fn: () => void, log?: (msg: string) => void): void {
  try {
    fn();
  } catch (e) {
    log?.(`mqtt: listener failed: ${(e as Error).message}`);
  }
}
