// MQTT 3.1.1 packet codec (OASIS mqtt-v3.1.1-os), Uint8Array only. One namespace per packet
// kind with encode/encodingLength; `decode` reads one whole packet. Field names follow
// mqtt-packet (cmd, topic, payload, qos, messageId...) so tests can cross-check against it; the
// fields only the connection setup and subscriptions use carry the bundle's internal suffix
// (`returnCode_`: shorter in the bundle; test/transport/mqtt/oracle.test.ts maps them).
// Every read is bounds-checked and fails with an MqttPacketError whose message is stable.
import { utf8Decode, utf8Length, utf8Write } from '../../compat/utf8';
import { floor } from '../../compat/lang';

export type QoS = 0 | 1 | 2;

export interface Will {
  topic: string;
  payload: Uint8Array;
  qos: QoS;
  retain: boolean;
}

export interface ConnectPacket {
  cmd: 'connect';
  clientId_: string;
  cleanSession_: boolean;
  keepalive_: number;
  username_?: string;
  password_?: Uint8Array;
  will_?: Will;
}
export interface ConnackPacket { cmd: 'connack'; sessionPresent_: boolean; returnCode_: number }
export interface PublishPacket {
  cmd: 'publish';
  topic: string;
  payload: Uint8Array;
  qos: QoS;
  retain: boolean;
  dup: boolean;
  /** Present exactly when qos > 0 (MQTT-2.3.1-5). */
  messageId?: number;
}
export type AckCmd = 'puback' | 'pubrec' | 'pubrel' | 'pubcomp' | 'unsuback';
export interface AckPacket { cmd: AckCmd; messageId: number }
export interface Subscription { topic: string; qos: QoS }
export interface SubscribePacket { cmd: 'subscribe'; messageId: number; subscriptions_: Subscription[] }
/** granted: 0..2, or 0x80 for a refused subscription (MQTT-3.9.3). */
export interface SubackPacket { cmd: 'suback'; messageId: number; granted_: number[] }
export interface UnsubscribePacket { cmd: 'unsubscribe'; messageId: number; unsubscriptions_: string[] }
export interface EmptyPacket { cmd: 'pingreq' | 'pingresp' | 'disconnect' }

export type Packet =
  | ConnectPacket | ConnackPacket | PublishPacket | AckPacket | SubscribePacket | SubackPacket
  | UnsubscribePacket | EmptyPacket;

export class MqttPacketError extends Error {
  constructor(message: string) {
    super(`mqtt: ${message}`);
    this.name = 'MqttPacketError';
  }
}

const CMD_NAMES = ['', 'connect', 'connack', 'publish', 'puback', 'pubrec', 'pubrel', 'pubcomp',
  'subscribe', 'suback', 'unsubscribe', 'unsuback', 'pingreq', 'pingresp', 'disconnect'] as const;
const TYPE_OF: Record<string, number> = {};
CMD_NAMES.forEach((n, i) => { if (n) TYPE_OF[n] = i; });

/** Largest remaining length a 4-byte varint can carry (MQTT-2.2.3): 268,435,455. */
export const MAX_REMAINING_LENGTH = 268435455;

// ---- fixed header and primitives -------------------------------------------------------------

/** Bytes of the remaining-length varint (MQTT-2.2.3). */
export function varintLength(n: number): number {
  if (!(n >= 0 && n <= MAX_REMAINING_LENGTH) || n !== floor(n)) throw new MqttPacketError(`remaining length ${n} out of range`);
  return n < 128 ? 1 : n < 16384 ? 2 : n < 2097152 ? 3 : 4;
}

function writeVarint(n: number, buf: Uint8Array, off: number): number {
  do {
    let b = n % 128;
    n = floor(n / 128);
    if (n > 0) b |= 128;
    buf[off++] = b;
  } while (n > 0);
  return off;
}

/**
 * Reads a fixed header at `off`. Returns null when more bytes are needed, otherwise the first
 * byte, the remaining length and the header's size. A fifth continuation byte is malformed.
 */
export function readFixedHeader(buf: Uint8Array, off: number, end = buf.length): { byte0: number; length: number; size: number } | null {
  if (off >= end) return null;
  let n = 0;
  let mul = 1;
  for (let i = 1; i <= 4; i++) {
    if (off + i >= end) return null;
    const b = buf[off + i];
    n += (b & 127) * mul;
    mul *= 128;
    if ((b & 128) === 0) return { byte0: buf[off], length: n, size: i + 1 };
  }
  throw new MqttPacketError('malformed remaining length');
}

function checkId(id: number | undefined): number {
  // MQTT-2.3.1-1: non-zero 16-bit packet identifier.
  if (id === undefined || !(id >= 1 && id <= 65535) || id !== (id | 0)) throw new MqttPacketError(`invalid packet id ${id}`);
  return id;
}

/** A topic name (not a filter): non-empty (MQTT-4.7.3-1), no wildcard (MQTT-3.3.2-2). */
function checkTopic(topic: string): void {
  if (topic.length === 0) throw new MqttPacketError('empty topic');
  if (topic.indexOf('+') >= 0 || topic.indexOf('#') >= 0) throw new MqttPacketError('wildcard in topic name');
}

/** A SUBACK return code: a granted QoS, or 0x80 for a refusal (MQTT-3.9.3-2). */
function checkGranted(g: number): number {
  if (!(g === 0 || g === 1 || g === 2 || g === 0x80)) throw new MqttPacketError(`invalid suback code ${g}`);
  return g;
}

function checkQos(q: number): QoS {
  if (q !== 0 && q !== 1 && q !== 2) throw new MqttPacketError(`invalid qos ${q}`);
  return q;
}

/** Writes a packet's body into a growing buffer; packet_() puts the fixed header before it. */
class Writer {
  buf_ = new Uint8Array(64);
  pos_ = 0;

  private room_(n: number): void {
    if (this.pos_ + n <= this.buf_.length) return;
    const b = new Uint8Array(Math.max(this.buf_.length * 2, this.pos_ + n)); // a payload: its size
    b.set(this.buf_.subarray(0, this.pos_));
    this.buf_ = b;
  }
  u8_(v: number): void { this.room_(1); this.buf_[this.pos_++] = v; }
  u16_(v: number): void { this.u8_(v >>> 8); this.u8_(v & 255); }
  /** A UTF-8 string with its 2-byte length; `what` names it when it is too long. */
  str_(s: string, what: string): void {
    this.room_(2 + s.length * 3);
    const start = this.pos_;
    this.pos_ = utf8Write(s, this.buf_, start + 2);
    const n = this.pos_ - start - 2;
    if (n > 65535) throw new MqttPacketError(`${what} longer than 65535 bytes`);
    this.buf_[start] = n >>> 8;
    this.buf_[start + 1] = n & 255;
  }
  bin_(b: Uint8Array): void { this.u16_(b.length); this.raw_(b); }
  raw_(b: Uint8Array): void { this.room_(b.length); this.buf_.set(b, this.pos_); this.pos_ += b.length; }

  /** The whole packet in `buf` at `offset` (throws when it does not fit), or in a new array. */
  packet_(byte0: number, buf?: Uint8Array, offset = 0): Uint8Array {
    const n = this.pos_;
    const size = 1 + varintLength(n) + n;
    if (!buf) buf = new Uint8Array(size);
    else if (offset + size > buf.length) throw new MqttPacketError('buffer too small');
    buf[offset] = byte0;
    buf.set(this.buf_.subarray(0, n), writeVarint(n, buf, offset + 1));
    return buf;
  }
}

/** Reads one packet's variable header and payload, never past `end`. */
export class Reader {
  readonly buf_: Uint8Array;
  public pos_: number;
  readonly end_: number;
  readonly what_: string;

  constructor(buf_: Uint8Array, pos_: number, end_: number, what_: string) {
    this.buf_ = buf_;
    this.pos_ = pos_;
    this.end_ = end_;
    this.what_ = what_;
  }
  /** Skips n bytes that must be there; returns where they start. */
  take_(n: number): number {
    if (this.pos_ + n > this.end_) throw new MqttPacketError(`truncated ${this.what_}`);
    return (this.pos_ += n) - n;
  }
  u8_(): number { return this.buf_[this.take_(1)]; }
  u16_(): number { const at = this.take_(2); return (this.buf_[at] << 8) | this.buf_[at + 1]; }
  /** A packet identifier, which is never 0 (MQTT-2.3.1-1). */
  id_(): number {
    const id = this.u16_();
    if (id === 0) throw new MqttPacketError('invalid packet id 0');
    return id;
  }
  bin_(): Uint8Array { const n = this.u16_(); return this.buf_.subarray(this.take_(n), this.pos_); }
  str_(): string {
    const b = this.bin_();
    const s = utf8Decode(b);
    // MQTT-1.5.3-1/-2: well-formed UTF-8 without U+0000. A decoded U+FFFD that was not in the
    // input means the bytes were malformed.
    if (s.indexOf('\u0000') >= 0) throw new MqttPacketError(`NUL in string in ${this.what_}`);
    if (s.indexOf('\ufffd') >= 0 && utf8Length(s) !== b.length) throw new MqttPacketError(`invalid utf-8 in ${this.what_}`);
    return s;
  }
  rest_(): Uint8Array { const b = this.buf_.subarray(this.pos_, this.end_); this.pos_ = this.end_; return b; }
  done_(): void {
    if (this.pos_ !== this.end_) throw new MqttPacketError(`trailing bytes in ${this.what_}`);
  }
}

// ---- one encoder/decoder per packet kind ------------------------------------------------------
// Plain functions, so the bundler keeps only those the agent calls (encodeClient and
// decodeBrokerBody below); the objects after them group them per kind for tests and tools.

const PROTOCOL = 'MQTT';
const LEVEL = 4; // 3.1.1

function encodeConnect(p: ConnectPacket, buf?: Uint8Array, offset = 0): Uint8Array {
  if (p.password_ !== undefined && p.username_ === undefined) throw new MqttPacketError('password without username'); // MQTT-3.1.2-22
  if (!(p.keepalive_ >= 0 && p.keepalive_ <= 65535)) throw new MqttPacketError(`invalid keepalive ${p.keepalive_}`);
  if (p.password_ && p.password_.length > 65535) throw new MqttPacketError('password longer than 65535 bytes');
  if (p.will_ && p.will_.payload.length > 65535) throw new MqttPacketError('will payload longer than 65535 bytes');
  const w = new Writer();
  w.str_(PROTOCOL, 'protocol');
  w.u8_(LEVEL);
  let flags = p.cleanSession_ ? 0x02 : 0;
  if (p.will_) flags |= 0x04 | (checkQos(p.will_.qos) << 3) | (p.will_.retain ? 0x20 : 0);
  if (p.password_ !== undefined) flags |= 0x40;
  if (p.username_ !== undefined) flags |= 0x80;
  w.u8_(flags);
  w.u16_(p.keepalive_);
  w.str_(p.clientId_, 'client id');
  if (p.will_) { w.str_(p.will_.topic, 'will topic'); w.bin_(p.will_.payload); }
  if (p.username_ !== undefined) w.str_(p.username_, 'username');
  if (p.password_ !== undefined) w.bin_(p.password_);
  return w.packet_(0x10, buf, offset);
}
function decodeConnect(_flags: number, r: Reader): ConnectPacket {
  if (r.str_() !== PROTOCOL) throw new MqttPacketError('unsupported protocol name');
  const level = r.u8_();
  if (level !== LEVEL) throw new MqttPacketError(`unsupported protocol level ${level}`);
  const f = r.u8_();
  if (f & 0x01) throw new MqttPacketError('connect reserved flag set'); // MQTT-3.1.2-3
  const keepalive = r.u16_();
  const p: ConnectPacket = { cmd: 'connect', clientId_: r.str_(), cleanSession_: (f & 0x02) !== 0, keepalive_: keepalive };
  if (f & 0x04) {
    const topic = r.str_();
    p.will_ = { topic, payload: r.bin_(), qos: checkQos((f >> 3) & 3), retain: (f & 0x20) !== 0 };
  } else if (f & 0x38) throw new MqttPacketError('will flags without will'); // MQTT-3.1.2-11/13/15
  if (f & 0x80) p.username_ = r.str_();
  if (f & 0x40) {
    if (!(f & 0x80)) throw new MqttPacketError('password without username');
    p.password_ = r.bin_();
  }
  r.done_();
  return p;
}
export const connect = {
  encodingLength: (p: ConnectPacket): number => encodeConnect(p).length,
  encode: encodeConnect,
  decodeBody: decodeConnect,
};

function encodeConnack(p: ConnackPacket, buf?: Uint8Array, offset = 0): Uint8Array {
  const w = new Writer();
  w.u8_(p.sessionPresent_ ? 1 : 0);
  w.u8_(p.returnCode_);
  return w.packet_(0x20, buf, offset);
}
function decodeConnack(_flags: number, r: Reader): ConnackPacket {
  const f = r.u8_();
  if (f & 0xfe) throw new MqttPacketError('connack reserved flags set'); // MQTT-3.2.2-1
  const p: ConnackPacket = { cmd: 'connack', sessionPresent_: f === 1, returnCode_: r.u8_() };
  r.done_();
  return p;
}
export const connack = {
  encodingLength: (_p: ConnackPacket): number => 4,
  encode: encodeConnack,
  decodeBody: decodeConnack,
};

function encodePublish(p: PublishPacket, buf?: Uint8Array, offset = 0): Uint8Array {
  const qos = checkQos(p.qos);
  checkTopic(p.topic);
  if (qos === 0 && p.dup) throw new MqttPacketError('dup with qos 0'); // MQTT-3.3.1-2
  const w = new Writer();
  w.str_(p.topic, 'topic');
  if (qos > 0) w.u16_(checkId(p.messageId));
  w.raw_(p.payload);
  return w.packet_(0x30 | (p.dup ? 8 : 0) | (qos << 1) | (p.retain ? 1 : 0), buf, offset);
}
function decodePublish(flags: number, r: Reader): PublishPacket {
  const qos = (flags >> 1) & 3;
  if (qos === 3) throw new MqttPacketError('invalid qos 3'); // MQTT-3.3.1-4
  const topic = r.str_();
  checkTopic(topic);
  const p: PublishPacket = { cmd: 'publish', topic, payload: new Uint8Array(0), qos: qos as QoS, retain: (flags & 1) !== 0, dup: (flags & 8) !== 0 };
  if (qos > 0) p.messageId = r.id_();
  p.payload = r.rest_();
  return p;
}
export const publish = {
  encodingLength: (p: PublishPacket): number => encodePublish(p).length,
  encode: encodePublish,
  decodeBody: decodePublish,
};

function encodeAck(p: AckPacket, buf?: Uint8Array, offset = 0): Uint8Array {
  const t = TYPE_OF[p.cmd];
  if (!(t === 4 || t === 5 || t === 6 || t === 7 || t === 11)) throw new MqttPacketError(`not an ack: ${p.cmd}`);
  const w = new Writer();
  w.u16_(checkId(p.messageId));
  return w.packet_((t << 4) | (t === 6 ? 2 : 0), buf, offset); // PUBREL has flags 0010 (MQTT-3.6.1-1)
}
function decodeAck(cmd: AckCmd, r: Reader): AckPacket {
  const messageId = r.id_();
  r.done_();
  return { cmd, messageId };
}
/** PUBACK, PUBREC, PUBREL, PUBCOMP and UNSUBACK: a packet id and nothing else. */
export const ack = {
  encodingLength: (_p: AckPacket): number => 4,
  encode: encodeAck,
  decodeBody: decodeAck,
};

function encodeSubscribe(p: SubscribePacket, buf?: Uint8Array, offset = 0): Uint8Array {
  if (p.subscriptions_.length === 0) throw new MqttPacketError('subscribe without topics'); // MQTT-3.8.3-3
  const w = new Writer();
  w.u16_(checkId(p.messageId));
  for (const s of p.subscriptions_) { w.str_(s.topic, 'topic filter'); w.u8_(checkQos(s.qos)); }
  return w.packet_(0x82, buf, offset); // MQTT-3.8.1-1
}
function decodeSubscribe(_flags: number, r: Reader): SubscribePacket {
  const p: SubscribePacket = { cmd: 'subscribe', messageId: r.id_(), subscriptions_: [] };
  while (r.pos_ < r.end_) {
    const topic = r.str_();
    const o = r.u8_();
    if (o & 0xfc) throw new MqttPacketError('subscribe reserved bits set'); // MQTT-3.8.3-4
    p.subscriptions_.push({ topic, qos: checkQos(o) });
  }
  if (p.subscriptions_.length === 0) throw new MqttPacketError('subscribe without topics');
  return p;
}
export const subscribe = {
  encodingLength: (p: SubscribePacket): number => encodeSubscribe(p).length,
  encode: encodeSubscribe,
  decodeBody: decodeSubscribe,
};

function encodeSuback(p: SubackPacket, buf?: Uint8Array, offset = 0): Uint8Array {
  const w = new Writer();
  w.u16_(checkId(p.messageId));
  for (const g of p.granted_) w.u8_(checkGranted(g));
  return w.packet_(0x90, buf, offset);
}
function decodeSuback(_flags: number, r: Reader): SubackPacket {
  const p: SubackPacket = { cmd: 'suback', messageId: r.id_(), granted_: [] };
  while (r.pos_ < r.end_) p.granted_.push(checkGranted(r.u8_()));
  return p;
}
export const suback = {
  encodingLength: (p: SubackPacket): number => encodeSuback(p).length,
  encode: encodeSuback,
  decodeBody: decodeSuback,
};

function encodeUnsubscribe(p: UnsubscribePacket, buf?: Uint8Array, offset = 0): Uint8Array {
  if (p.unsubscriptions_.length === 0) throw new MqttPacketError('unsubscribe without topics'); // MQTT-3.10.3-2
  const w = new Writer();
  w.u16_(checkId(p.messageId));
  for (const t of p.unsubscriptions_) w.str_(t, 'topic filter');
  return w.packet_(0xa2, buf, offset); // MQTT-3.10.1-1
}
function decodeUnsubscribe(_flags: number, r: Reader): UnsubscribePacket {
  const p: UnsubscribePacket = { cmd: 'unsubscribe', messageId: r.id_(), unsubscriptions_: [] };
  while (r.pos_ < r.end_) p.unsubscriptions_.push(r.str_());
  if (p.unsubscriptions_.length === 0) throw new MqttPacketError('unsubscribe without topics');
  return p;
}
export const unsubscribe = {
  encodingLength: (p: UnsubscribePacket): number => encodeUnsubscribe(p).length,
  encode: encodeUnsubscribe,
  decodeBody: decodeUnsubscribe,
};

function encodeEmpty(p: EmptyPacket, buf?: Uint8Array, offset = 0): Uint8Array {
  const t = TYPE_OF[p.cmd];
  if (!(t === 12 || t === 13 || t === 14)) throw new MqttPacketError(`not an empty packet: ${p.cmd}`);
  return new Writer().packet_(t << 4, buf, offset);
}
/** PINGREQ, PINGRESP and DISCONNECT: a fixed header with remaining length 0. */
export const empty = {
  encodingLength: (_p: EmptyPacket): number => 2,
  encode: encodeEmpty,
};

// ---- whole packets -----------------------------------------------------------------------------

export function encodingLength(p: Packet): number {
  switch (p.cmd) {
    case 'connect': return connect.encodingLength(p);
    case 'connack': return 4;
    case 'publish': return publish.encodingLength(p);
    case 'subscribe': return subscribe.encodingLength(p);
    case 'suback': return suback.encodingLength(p);
    case 'unsubscribe': return unsubscribe.encodingLength(p);
    case 'pingreq': case 'pingresp': case 'disconnect': return 2;
    default: return 4;
  }
}

/** Encodes any packet into `buf` at `offset`, or into a new array of exactly its length. */
export function encode(p: Packet, buf?: Uint8Array, offset = 0): Uint8Array {
  switch (p.cmd) {
    case 'connect': return encodeConnect(p, buf, offset);
    case 'connack': return encodeConnack(p, buf, offset);
    case 'publish': return encodePublish(p, buf, offset);
    case 'subscribe': return encodeSubscribe(p, buf, offset);
    case 'suback': return encodeSuback(p, buf, offset);
    case 'unsubscribe': return encodeUnsubscribe(p, buf, offset);
    case 'pingreq': case 'pingresp': case 'disconnect': return encodeEmpty(p, buf, offset);
    default: return encodeAck(p, buf, offset);
  }
}

/** What a client sends. */
export type ClientPacket = ConnectPacket | PublishPacket | SubscribePacket | (AckPacket & { cmd: 'puback' }) | EmptyPacket;

/** `encode` for the packets a client sends: the same bytes, without the broker's encoders. */
export function encodeClient(p: ClientPacket): Uint8Array {
  switch (p.cmd) {
    case 'connect': return encodeConnect(p);
    case 'publish': return encodePublish(p);
    case 'subscribe': return encodeSubscribe(p);
    case 'puback': return encodeAck(p);
    default: return encodeEmpty(p);
  }
}

// Required fixed-header flags per type (MQTT-2.2.2-2); PUBLISH (3) carries its own.
const FLAGS = [-1, 0, 0, -1, 0, 0, 2, 0, 2, 0, 2, 0, 0, 0, 0];

/** Checks the fixed header's type and flags; a Reader over the body. */
function bodyReader(byte0: number, body: Uint8Array, start: number, end: number): Reader {
  const type = byte0 >> 4;
  const name = CMD_NAMES[type] as (typeof CMD_NAMES)[number] | undefined;
  if (!name) throw new MqttPacketError(`unknown packet type ${type}`);
  if (type !== 3 && (byte0 & 15) !== FLAGS[type]) throw new MqttPacketError(`invalid flags for ${name}`);
  return new Reader(body, start, end, name);
}

/** Decodes the body of a packet whose fixed header was already read. */
export function decodeBody(byte0: number, body: Uint8Array, start = 0, end = body.length): Packet {
  const r = bodyReader(byte0, body, start, end);
  switch (byte0 >> 4) {
    case 1: return decodeConnect(byte0 & 15, r);
    case 8: return decodeSubscribe(byte0 & 15, r);
    case 10: return decodeUnsubscribe(byte0 & 15, r);
    default: return decodeBrokerBody(byte0, body, start, end) as Packet; // types 1, 8, 10 are above
  }
}

/** A packet a client never receives (CONNECT, SUBSCRIBE, UNSUBSCRIBE), its body unread. */
export interface UnexpectedPacket { cmd: 'connect' | 'subscribe' | 'unsubscribe' }

/**
 * `decodeBody` for the packets a broker sends, as decodeBody decodes them. CONNECT, SUBSCRIBE
 * and UNSUBSCRIBE only have their fixed header checked: a client has no use for their bodies.
 */
export function decodeBrokerBody(byte0: number, body: Uint8Array, start = 0, end = body.length): Exclude<Packet, ConnectPacket | SubscribePacket | UnsubscribePacket> | UnexpectedPacket {
  const r = bodyReader(byte0, body, start, end);
  const type = byte0 >> 4;
  const name = r.what_;
  switch (type) {
    case 1: case 8: case 10: return { cmd: name as UnexpectedPacket['cmd'] };
    case 2: return decodeConnack(byte0 & 15, r);
    case 3: return decodePublish(byte0 & 15, r);
    case 9: return decodeSuback(byte0 & 15, r);
    case 12: case 13: case 14:
      r.done_();
      return { cmd: name as EmptyPacket['cmd'] };
    default: return decodeAck(name as AckCmd, r);
  }
}

/** Decodes one whole packet at `offset`; `bytes` is how many it took. */
export function decode(buf: Uint8Array, offset = 0): { value: Packet; bytes: number } {
  const h = readFixedHeader(buf, offset);
  if (!h || offset + h.size + h.length > buf.length) throw new MqttPacketError('truncated packet');
  const start = offset + h.size;
  return { value: decodeBody(h.byte0, buf, start, start + h.length), bytes: h.size + h.length };
}
