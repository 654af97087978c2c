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
import { maxOf, minOf, WithDeps } from '../../compat/lang';

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

export interface IncomingMessage {
  topic_: string;
  payload_: Uint8Array;
  retain_: boolean;
  qos_: QoS;
}

/** CONNACK return codes (MQTT-3.2.2.3) as words an operator can act on. */
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
// stopped" (>= Waiting: down_() never runs before start_(), in Idle).
const enum State { Connecting, Connected, Waiting, Stopped, Idle }

export class MqttClient extends WithDeps<MqttClientDeps> {
  /** Called when the stream closed after stop(). */
  declare private streamGone_?: (() => void) | null;
  private state_ = State.Idle;
  declare private stream_?: ByteStream | null;
  declare private parser_?: PacketParser<BrokerPacket> | null;
  private readonly inflight_ = new Map<number, Outgoing>();
  private readonly queue_: Outgoing[] = [];
  private readonly subs_ = new Map<number, PendingSub>();
  private nextId_ = 1;
  private attempts_ = 0;
  private timers_: TimerHandle[] = [];
  private lastSent_ = 0;
  private lastRecv_ = 0;
  private pingSentAt_ = 0;
  /** Why the last connection ended or failed (null while connected). */
  declare lastError_?: string | null;
  // Listeners, one each, set by the owner: connected; the stream went away (a reconnect is
  // scheduled unless stopped or fatal); a message arrived; maxAttempts exhausted (the client
  // stopped and will not retry).
  onConnect_ = (_sessionPresent: boolean): void => {};
  onDown_ = (_reason: string): void => {};
  onMessage_ = (_m: IncomingMessage): void => {};
  onFatal_ = (_e: Error): void => {};

  start_(): void {
    if (this.state_ !== State.Idle) return;
    this.open_();
  }

  get connected(): boolean { return this.state_ === State.Connected; }
  /** QoS 1 publishes not yet acknowledged (in flight and queued). */
  get unacked_(): number { return this.inflight_.size + this.queue_.length; }

  /**
   * QoS 0 resolves once written (rejects when not connected). QoS 1 resolves on PUBACK; it is
   * queued while disconnected and survives reconnects; only stop() rejects it.
   */
  publish_(topic: string, payload: Uint8Array, qos: 0 | 1 = 0, retain = false): Promise<void> {
    const packet: PublishPacket = { cmd: 'publish', topic, payload, qos, retain, dup: false };
    if (this.state_ === State.Stopped) return rejectLater(new Error('mqtt client stopped'));
    if (qos === 0) {
      if (this.state_ !== State.Connected) return rejectLater(new Error('mqtt not connected'));
      try {
        this.send_(packet);
      } catch (e) {
        return rejectLater(e as Error);
      }
      return Promise.resolve();
    }
    const max = this.deps_.options_.maxQueued_ ?? 10000;
    if (this.queue_.length >= max) {
      this.deps_.counters_.drop('mqtt_queue_full', 1, topic);
      return rejectLater(new Error(`mqtt publish queue full (${max})`));
    }
    // Encode now so a bad topic fails here, not inside the pump.
    encodeClient({ ...packet, messageId: 1 });
    return new Promise<void>((resolve, reject) => {
      this.queue_.push({ packet_: packet, resolve_: resolve, reject_: reject });
      this.pump_();
    });
  }

  /** Subscribes on the current connection; resolves with the granted QoS per filter. */
  subscribe_(subscriptions: Subscription[]): Promise<number[]> {
    if (this.state_ !== State.Connected) return rejectLater(new Error('mqtt not connected'));
    const messageId = this.allocId_();
    return new Promise((resolve, reject) => {
      this.subs_.set(messageId, { resolve_: resolve, reject_: reject });
      this.send_({ cmd: 'subscribe', messageId, subscriptions_: subscriptions });
    });
  }

  /**
   * Sends DISCONNECT when connected (so the will is not published), closes, rejects pending.
   * Resolves once the stream is gone (bounded by `graceMs`): until then the DISCONNECT may still
   * sit in the pipe to the helper, and a process that exits at once would lose it.
   */
  stop_(graceMs = 2000): Promise<void> {
    if (this.state_ === State.Stopped) return Promise.resolve();
    let gone: Promise<void> = Promise.resolve();
    const wasConnected = this.state_ === State.Connected;
    this.state_ = State.Stopped;
    this.clearTimers_();
    if (this.stream_) {
      if (wasConnected) {
        try {
          this.stream_.write_(encodeClient({ cmd: 'disconnect' }));
        } catch { /* the stream is going anyway */ }
      }
      const stream = this.stream_;
      gone = new Promise<void>((resolve) => {
        const t = this.deps_.host_.setTimeout(resolve, graceMs);
        this.streamGone_ = () => {
          this.deps_.host_.clearTimer(t);
          resolve();
        };
      });
      this.stream_ = null;
      stream.close_();
    }
    const err = new Error('mqtt client stopped');
    for (const o of [...this.inflight_.values(), ...this.queue_, ...this.subs_.values()]) o.reject_(err);
    this.inflight_.clear();
    this.queue_.length = 0;
    this.subs_.clear();
    return gone;
  }

  // ---- connection lifecycle ------------------------------------------------------------------

  private open_(): void {
    const o = this.deps_.options_;
    this.state_ = State.Connecting;
    this.attempts_++;
    this.deps_.counters_.inc('mqtt_connect_attempts');
    let stream: ByteStream;
    try {
      stream = o.connect_();
    } catch (e) {
      this.down_(`cannot open stream: ${(e as Error).message}`);
      return;
    }
    this.stream_ = stream;
    this.parser_ = new PacketParser(o.maxIncoming_ ?? 1 << 20, decodeBrokerBody);
    stream.onData_((b) => {
      if (this.stream_ === stream) this.receive_(b);
    });
    stream.onClose_((reason) => {
      if (this.state_ === State.Stopped) {
        this.streamGone_?.();
        this.streamGone_ = null;
        return;
      }
      if (this.stream_ === stream) {
        this.stream_ = null;
        this.down_(reason || 'stream closed');
      }
    });
    this.send_({
      cmd: 'connect', clientId_: o.clientId_, cleanSession_: o.cleanSession_ ?? false, keepalive_: o.keepaliveSec_ ?? 60,
      username_: o.username_, password_: o.password_ !== undefined ? utf8Encode(o.password_) : undefined, will_: o.will_,
    });
    const limit = o.connectTimeoutMs_ ?? 10000;
    this.timers_.push(this.deps_.host_.setTimeout(() => {
      if (this.state_ === State.Connecting && this.stream_ === stream) this.drop_(`no CONNACK within ${limit} ms`);
    }, limit));
  }

  /** Ends the current stream on our initiative (protocol error, timeout). */
  private drop_(reason: string): void {
    const s = this.stream_;
    this.stream_ = null;
    if (s) s.close_();
    this.down_(reason);
  }

  private down_(reason: string): void {
    if (this.state_ >= State.Waiting) return;
    const wasConnected = this.state_ === State.Connected;
    this.clearTimers_();
    this.parser_ = null;
    this.lastError_ = reason;
    this.deps_.counters_.inc('mqtt_disconnects');
    this.deps_.log_?.(`mqtt: ${wasConnected ? 'connection lost' : 'connection failed'}: ${reason}`);
    // In-flight publishes stay in `inflight` for the resend; pending SUBSCRIBEs die with the link.
    const err = new Error(`mqtt connection lost: ${reason}`);
    for (const s of this.subs_.values()) s.reject_(err);
    this.subs_.clear();
    this.guard_(() => this.onDown_(reason));
    const o = this.deps_.options_;
    if (o.maxAttempts_ !== undefined && this.attempts_ >= o.maxAttempts_) {
      const fatal = new Error(`mqtt: giving up after ${this.attempts_} attempts: ${reason}`);
      this.stop_();
      this.guard_(() => this.onFatal_(fatal));
      return;
    }
    this.state_ = State.Waiting;
    const min = o.backoffMinMs_ ?? 1000;
    const max = o.backoffMaxMs_ ?? 60000;
    const base = minOf(max, min * Math.pow(2, minOf(this.attempts_ - 1, 20)));
    // "Equal jitter": half fixed, half random, so a fleet that lost one broker spreads out.
    const delay = Math.round(base / 2 + (o.random_ ?? Math.random)() * base / 2);
    // With the link's timers: stop_() clears it (clearing one that fired is harmless).
    this.timers_.push(this.deps_.host_.setTimeout(() => {
      if (this.state_ === State.Waiting) this.open_();
    }, delay));
  }

  private connected_(sessionPresent: boolean): void {
    this.state_ = State.Connected;
    this.attempts_ = 0;
    this.lastError_ = null;
    this.deps_.counters_.inc('mqtt_connects');
    this.clearTimers_();
    const ka = (this.deps_.options_.keepaliveSec_ ?? 60) * 1000; // 0: no keepalive
    if (ka > 0) this.timers_.push(this.deps_.host_.setInterval(() => this.tick_(ka), maxOf(100, minOf(1000, ka / 4))));
    // Re-send what the last connection left unacknowledged, in the original order.
    for (const o of this.inflight_.values()) {
      o.packet_.dup = true;
      this.deps_.counters_.inc('mqtt_resent');
      this.send_(o.packet_);
    }
    this.guard_(() => this.onConnect_(sessionPresent));
    this.pump_();
  }

  /** `ka`: the keepalive in ms. */
  private tick_(ka: number): void {
    if (this.state_ !== State.Connected) return;
    const now = this.deps_.host_.monotonic();
    if (this.pingSentAt_) {
      const limit = this.deps_.options_.pingTimeoutMs_ ?? maxOf(1000, ka / 2);
      if (now - this.pingSentAt_ >= limit) {
        this.deps_.counters_.inc('mqtt_ping_timeouts');
        this.drop_(`keepalive: no PINGRESP within ${limit} ms (half-open connection)`);
      }
      return;
    }
    // Ping when we have been quiet (MQTT-3.1.2-23) or the broker has: a silent broker while we
    // keep publishing is how a half-open link looks.
    if (now - this.lastSent_ >= ka || now - this.lastRecv_ >= ka) {
      this.pingSentAt_ = now;
      this.send_({ cmd: 'pingreq' });
    }
  }

  // ---- packets -------------------------------------------------------------------------------

  private send_(p: ClientPacket): void {
    if (!this.stream_) throw new Error('mqtt not connected');
    this.lastSent_ = this.deps_.host_.monotonic();
    this.stream_.write_(encodeClient(p));
  }

  private receive_(b: Uint8Array): void {
    this.lastRecv_ = this.deps_.host_.monotonic();
    try {
      this.parser_!.push_(b, (p) => this.handle_(p));
    } catch (e) {
      if (this.state_ >= State.Waiting) return;
      this.deps_.counters_.drop('mqtt_bad_packet', 1, (e as Error).message);
      this.drop_(`bad packet from broker: ${(e as Error).message}`);
    }
  }

  private handle_(p: BrokerPacket): void {
    if (!this.stream_) return;
    if (this.state_ === State.Connecting) {
      if (p.cmd !== 'connack') throw new Error(`mqtt: expected CONNACK, got ${p.cmd.toUpperCase()}`);
      if (p.returnCode_ !== 0) {
        const text = `connection refused: ${CONNACK_ERRORS[p.returnCode_] || `return code ${p.returnCode_}`}`;
        this.deps_.counters_.inc('mqtt_refused');
        this.drop_(text);
        return;
      }
      this.connected_(p.sessionPresent_);
      return;
    }
    this.pingSentAt_ = 0; // any packet proves the link is alive
    switch (p.cmd) {
      case 'puback': {
        const o = this.inflight_.get(p.messageId);
        if (!o) {
          this.deps_.counters_.drop('mqtt_unknown_puback', 1, `${p.messageId}`);
          return;
        }
        this.inflight_.delete(p.messageId);
        this.deps_.counters_.inc('mqtt_acked');
        this.guard_(o.resolve_);
        this.pump_();
        return;
      }
      case 'suback': {
        const s = this.subs_.get(p.messageId);
        if (!s) return;
        this.subs_.delete(p.messageId);
        if (p.granted_.includes(0x80)) s.reject_(new Error(`mqtt subscription refused by broker (granted ${p.granted_.join(',')})`));
        else s.resolve_(p.granted_);
        return;
      }
      case 'publish':
        if (p.qos === 2) {
          // We never subscribe with QoS 2; a broker sending it is broken. Count and ignore.
          this.deps_.counters_.drop('mqtt_qos2_publish', 1, p.topic);
          return;
        }
        this.guard_(() => this.onMessage_({ topic_: p.topic, payload_: p.payload, retain_: p.retain, qos_: p.qos }));
        if (p.qos === 1) this.send_({ cmd: 'puback', messageId: p.messageId! });
        return;
      case 'pingresp':
        return;
      default:
        this.deps_.counters_.drop('mqtt_unexpected_packet', 1, p.cmd);
    }
  }

  /** Moves queued QoS 1 publishes into the window while connected. */
  private pump_(): void {
    const max = this.deps_.options_.inflight_ ?? 16;
    while (this.state_ === State.Connected && this.inflight_.size < max && this.queue_.length > 0) {
      const o = this.queue_.shift()!;
      o.packet_.messageId = this.allocId_();
      this.inflight_.set(o.packet_.messageId, o);
      this.send_(o.packet_);
    }
  }

  private allocId_(): number {
    for (let i = 0; i < 65535; i++) {
      const id = this.nextId_;
      this.nextId_ = id === 65535 ? 1 : id + 1;
      if (!this.inflight_.has(id) && !this.subs_.has(id)) return id;
    }
    throw new Error('mqtt: no free packet id');
  }

  private guard_(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.deps_.log_?.(`mqtt: listener failed: ${(e as Error).message}`);
    }
  }

  private clearTimers_(): void {
    for (const t of this.timers_) this.deps_.host_.clearTimer(t);
    this.timers_ = [];
    this.pingSentAt_ = 0;
  }
}
