// MQTT 3.1.1 packet codec (OASIS mqtt-v3.1.1-os), Uint8Array only. One namespace per packet
// kind with encode/encodingLength; `decode` reads one whole packet. Field names follow
// mqtt-packet (cmd, topic, payload, qos, messageId...) so tests can cross-check against it; the
// fields only the connection setup and subscriptions use carry the bundle's internal suffix
// (`returnCode_`: shorter in the bundle; test/transport/mqtt/oracle.test.ts maps them).
// Every read is bounds-checked and fails with an MqttPacketError whose message is stable.
import { utf8DecodeStrict, utf8Encode } from '../../compat/utf8';
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

/** Throws MqttPacketError(message): one short call per check in the bundle. */
export function malformed(message: string): never {
  throw new MqttPacketError(message);
}

const CMD_NAMES = ['', 'connect', 'connack', 'publish', 'puback', 'pubrec', 'pubrel', 'pubcomp',
  'subscribe', 'suback', 'unsubscribe', 'unsuback', 'pingreq', 'pingresp', 'disconnect'] as const;
/** A packet type by its name; -1 for what is not one. */
const typeOf = (cmd: string): number => (CMD_NAMES as readonly string[]).indexOf(cmd);

/** Largest remaining length a 4-byte varint can carry (MQTT-2.2.3): 268,435,455. */
export const MAX_REMAINING_LENGTH = 268435455;

// ---- fixed header and primitives -------------------------------------------------------------

/** Bytes of the remaining-length varint (MQTT-2.2.3). */
export function varintLength(n: number): number {
  if (!(n >= 0 && n <= MAX_REMAINING_LENGTH) || n !== floor(n)) malformed(`remaining length ${n} out of range`);
  return n < 128 ? 1 : n < 16384 ? 2 : n < 2097152 ? 3 : 4;
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
  malformed('malformed remaining length');
}

/** A packet identifier: non-zero and 16-bit (MQTT-2.3.1-1); its two bytes. */
function idBytes(id: number | undefined): number[] {
  if (!(id! >= 1 && id! <= 65535) || id !== (id! | 0)) malformed(`invalid packet id ${id}`);
  return u16(id);
}

/** A topic name (not a filter): non-empty (MQTT-4.7.3-1), no wildcard (MQTT-3.3.2-2). */
function checkTopic(topic: string): void {
  if (!topic) malformed('empty topic');
  if (/[+#]/.test(topic)) malformed('wildcard in topic name');
}

/** A QoS, or with `refusal` also a SUBACK's 0x80 (MQTT-3.9.3-2). */
function checkQos(q: number, refusal?: 1): QoS {
  if (!(q === 0 || q === 1 || q === 2 || (refusal && q === 0x80))) malformed(`invalid ${refusal ? 'suback code' : 'qos'} ${q}`);
  return q as QoS;
}

const u16 = (v: number): number[] => [v >>> 8, v & 255];

/** Bytes with their 2-byte length; `what` names them when they are too long. */
function bin(b: Uint8Array, what: string): number[] {
  if (b.length > 65535) malformed(`${what} longer than 65535 bytes`);
  return [...u16(b.length), ...b];
}
/** A UTF-8 string with its 2-byte length. */
const str = (s: string, what: string): number[] => bin(utf8Encode(s), what);

/** The whole packet: the fixed header, the body's fields, then `tail` (a PUBLISH's payload). */
function packet(byte0: number, body: number[], tail: Uint8Array = new Uint8Array(0)): Uint8Array {
  let n = body.length + tail.length;
  const out = new Uint8Array(1 + varintLength(n) + n);
  let at = 0;
  out[at++] = byte0;
  do {
    out[at++] = (n % 128) | (n > 127 ? 128 : 0);
    n = floor(n / 128);
  } while (n > 0);
  out.set(body, at);
  out.set(tail, at + body.length);
  return out;
}

export type Reader = ReturnType<typeof reader>;

/** Reads one packet's variable header and payload, never past `end`; `what` names the packet. */
function reader(buf: Uint8Array, pos: number, end: number, what: string) {
  /** Skips n bytes that must be there; returns where they start. */
  const take = (n: number): number => {
    if (pos + n > end) malformed(`truncated ${what}`);
    return (pos += n) - n;
  };
  const u16 = (): number => {
    const at = take(2);
    return (buf[at] << 8) | buf[at + 1];
  };
  const bin = (): Uint8Array => buf.subarray(take(u16()), pos);
  return {
    what_: what,
    more_: (): boolean => pos < end,
    u8_: (): number => buf[take(1)],
    u16_: u16,
    /** A packet identifier, which is never 0 (MQTT-2.3.1-1). */
    id_: (): number => u16() || malformed('invalid packet id 0'),
    bin_: bin,
    str_(): string {
      const b = bin();
      const s = utf8DecodeStrict(b, 0, b.length);
      // MQTT-1.5.3-1/-2: well-formed UTF-8 without U+0000.
      if (s === null) malformed(`invalid utf-8 in ${what}`);
      if (s.indexOf('\u0000') >= 0) malformed(`NUL in string in ${what}`);
      return s;
    },
    rest_: (): Uint8Array => buf.subarray(pos, (pos = end)),
    done_(): void {
      if (pos !== end) malformed(`trailing bytes in ${what}`);
    },
  };
}

// ---- one encoder/decoder per packet kind ------------------------------------------------------
// Plain functions, so the bundler keeps only those the agent calls (encodeClient and
// decodeBrokerBody below); the objects after them group them per kind for tests and tools.

const PROTOCOL = 'MQTT';
const LEVEL = 4; // 3.1.1

function encodeConnect(p: ConnectPacket): Uint8Array {
  const { username_: user, password_: pass, will_: will } = p;
  if (pass && user === undefined) malformed('password without username'); // MQTT-3.1.2-22
  if (!(p.keepalive_ >= 0 && p.keepalive_ <= 65535)) malformed(`invalid keepalive ${p.keepalive_}`);
  const flags = (p.cleanSession_ ? 2 : 0) | (will ? 4 | (checkQos(will.qos) << 3) | (will.retain ? 0x20 : 0) : 0) |
    (pass ? 0x40 : 0) | (user !== undefined ? 0x80 : 0);
  return packet(0x10, [
    0, 4, 0x4d, 0x51, 0x54, 0x54, // the protocol name 'MQTT' with its length
    LEVEL, flags, ...u16(p.keepalive_), ...str(p.clientId_, 'client id'),
    ...(will ? [...str(will.topic, 'will topic'), ...bin(will.payload, 'will payload')] : []),
    ...(user !== undefined ? str(user, 'username') : []),
    ...(pass ? bin(pass, 'password') : []),
  ]);
}
function decodeConnect(r: Reader): ConnectPacket {
  if (r.str_() !== PROTOCOL) malformed('unsupported protocol name');
  const level = r.u8_();
  if (level !== LEVEL) malformed(`unsupported protocol level ${level}`);
  const f = r.u8_();
  if (f & 0x01) malformed('connect reserved flag set'); // MQTT-3.1.2-3
  const keepalive = r.u16_();
  const p: ConnectPacket = { cmd: 'connect', clientId_: r.str_(), cleanSession_: (f & 0x02) !== 0, keepalive_: keepalive };
  if (f & 0x04) {
    const topic = r.str_();
    p.will_ = { topic, payload: r.bin_(), qos: checkQos((f >> 3) & 3), retain: (f & 0x20) !== 0 };
  } else if (f & 0x38) malformed('will flags without will'); // MQTT-3.1.2-11/13/15
  if (f & 0x80) p.username_ = r.str_();
  if (f & 0x40) {
    if (!(f & 0x80)) malformed('password without username');
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

function encodeConnack(p: ConnackPacket): Uint8Array {
  return packet(0x20, [p.sessionPresent_ ? 1 : 0, p.returnCode_]);
}
function decodeConnack(r: Reader): ConnackPacket {
  const f = r.u8_();
  if (f & 0xfe) malformed('connack reserved flags set'); // MQTT-3.2.2-1
  const p: ConnackPacket = { cmd: 'connack', sessionPresent_: f === 1, returnCode_: r.u8_() };
  r.done_();
  return p;
}
export const connack = {
  encodingLength: (_p: ConnackPacket): number => 4,
  encode: encodeConnack,
  decodeBody: decodeConnack,
};

function encodePublish(p: PublishPacket): Uint8Array {
  const qos = checkQos(p.qos);
  checkTopic(p.topic);
  if (!qos && p.dup) malformed('dup with qos 0'); // MQTT-3.3.1-2
  return packet(0x30 | (p.dup ? 8 : 0) | (qos << 1) | (p.retain ? 1 : 0),
    [...str(p.topic, 'topic'), ...(qos ? idBytes(p.messageId) : [])], p.payload);
}
function decodePublish(flags: number, r: Reader): PublishPacket {
  const qos = (flags >> 1) & 3;
  if (qos === 3) malformed('invalid qos 3'); // MQTT-3.3.1-4
  const topic = r.str_();
  checkTopic(topic);
  const p: PublishPacket = { cmd: 'publish', topic, payload: new Uint8Array(0), qos: qos as QoS, retain: !!(flags & 1), dup: !!(flags & 8) };
  if (qos) p.messageId = r.id_();
  p.payload = r.rest_();
  return p;
}
export const publish = {
  encodingLength: (p: PublishPacket): number => encodePublish(p).length,
  encode: encodePublish,
  decodeBody: decodePublish,
};

function encodeAck(p: AckPacket): Uint8Array {
  const t = typeOf(p.cmd);
  // types 4 to 7 and 11 (bits of 0x8f0)
  if (!((0x8f0 >> t) & 1)) malformed(`not an ack: ${p.cmd}`);
  return packet((t << 4) | (t === 6 ? 2 : 0), idBytes(p.messageId)); // PUBREL has flags 0010 (MQTT-3.6.1-1)
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

function encodeSubscribe(p: SubscribePacket): Uint8Array {
  if (!p.subscriptions_.length) malformed('subscribe without topics'); // MQTT-3.8.3-3
  const body = idBytes(p.messageId);
  for (const s of p.subscriptions_) body.push(...str(s.topic, 'topic filter'), checkQos(s.qos));
  return packet(0x82, body); // MQTT-3.8.1-1
}
function decodeSubscribe(r: Reader): SubscribePacket {
  const p: SubscribePacket = { cmd: 'subscribe', messageId: r.id_(), subscriptions_: [] };
  while (r.more_()) {
    const topic = r.str_();
    const o = r.u8_();
    if (o & 0xfc) malformed('subscribe reserved bits set'); // MQTT-3.8.3-4
    p.subscriptions_.push({ topic, qos: checkQos(o) });
  }
  if (p.subscriptions_.length === 0) malformed('subscribe without topics');
  return p;
}
export const subscribe = {
  encodingLength: (p: SubscribePacket): number => encodeSubscribe(p).length,
  encode: encodeSubscribe,
  decodeBody: decodeSubscribe,
};

function encodeSuback(p: SubackPacket): Uint8Array {
  return packet(0x90, [...idBytes(p.messageId), ...p.granted_.map((g) => checkQos(g, 1))]);
}
function decodeSuback(r: Reader): SubackPacket {
  const p: SubackPacket = { cmd: 'suback', messageId: r.id_(), granted_: [] };
  while (r.more_()) p.granted_.push(checkQos(r.u8_(), 1));
  return p;
}
export const suback = {
  encodingLength: (p: SubackPacket): number => encodeSuback(p).length,
  encode: encodeSuback,
  decodeBody: decodeSuback,
};

function encodeUnsubscribe(p: UnsubscribePacket): Uint8Array {
  if (p.unsubscriptions_.length === 0) malformed('unsubscribe without topics'); // MQTT-3.10.3-2
  const body = idBytes(p.messageId);
  for (const t of p.unsubscriptions_) body.push(...str(t, 'topic filter'));
  return packet(0xa2, body); // MQTT-3.10.1-1
}
function decodeUnsubscribe(r: Reader): UnsubscribePacket {
  const p: UnsubscribePacket = { cmd: 'unsubscribe', messageId: r.id_(), unsubscriptions_: [] };
  while (r.more_()) p.unsubscriptions_.push(r.str_());
  if (p.unsubscriptions_.length === 0) malformed('unsubscribe without topics');
  return p;
}
export const unsubscribe = {
  encodingLength: (p: UnsubscribePacket): number => encodeUnsubscribe(p).length,
  encode: encodeUnsubscribe,
  decodeBody: decodeUnsubscribe,
};

function encodeEmpty(p: EmptyPacket): Uint8Array {
  const t = typeOf(p.cmd);
  if (!(t > 11)) malformed(`not an empty packet: ${p.cmd}`);
  return packet(t << 4, []);
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
  let b: Uint8Array;
  switch (p.cmd) {
    case 'connack': b = encodeConnack(p); break;
    case 'suback': b = encodeSuback(p); break;
    case 'unsubscribe': b = encodeUnsubscribe(p); break;
    case 'pubrec': case 'pubrel': case 'pubcomp': case 'unsuback': b = encodeAck(p); break;
    default: b = encodeClient(p as ClientPacket);
  }
  if (!buf) return b;
  if (offset + b.length > buf.length) malformed('buffer too small');
  buf.set(b, offset);
  return buf;
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


/** Checks the fixed header's type and flags; a Reader over the body. */
function bodyReader(byte0: number, body: Uint8Array, start: number, end: number): Reader {
  const type = byte0 >> 4;
  const name = CMD_NAMES[type] as (typeof CMD_NAMES)[number] | undefined;
  if (!name) malformed(`unknown packet type ${type}`);
  // Required flags (MQTT-2.2.2-2): 0010 for PUBREL, SUBSCRIBE, UNSUBSCRIBE (types 6, 8, 10: bits of
  // 0x540), else 0000; PUBLISH (3) carries its own.
  if (type !== 3 && (byte0 & 15) !== ((0x540 >> type) & 1) * 2) malformed(`invalid flags for ${name}`);
  return reader(body, start, end, name);
}

/** Decodes the body of a packet whose fixed header was already read. */
export function decodeBody(byte0: number, body: Uint8Array, start = 0, end = body.length): Packet {
  const r = bodyReader(byte0, body, start, end);
  switch (byte0 >> 4) {
    case 1: return decodeConnect(r);
    case 8: return decodeSubscribe(r);
    case 10: return decodeUnsubscribe(r);
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
    case 2: return decodeConnack(r);
    case 3: return decodePublish(byte0 & 15, r);
    case 9: return decodeSuback(r);
    case 12: case 13: case 14:
      r.done_();
      return { cmd: name as EmptyPacket['cmd'] };
    default: return decodeAck(name as AckCmd, r);
  }
}

/** Decodes one whole packet at `offset`; `bytes` is how many it took. */
export function decode(buf: Uint8Array, offset = 0): { value: Packet; bytes: number } {
  const h = readFixedHeader(buf, offset);
  if (!h || offset + h.size + h.length > buf.length) malformed('truncated packet');
  const start = offset + h.size;
  return { value: decodeBody(h.byte0, buf, start, start + h.length), bytes: h.size + h.length };
}
