// MQTT 3.1.1 packet codec (OASIS mqtt-v3.1.1-os), Uint8Array only: `encode`/`encodingLength`
// for any packet, `decode` for one whole packet, `decodeBody` after a fixed header. One switch
// over the packet type per direction; the agent bundles only the client's halves (encodeClient,
// decodeBrokerBody), which the tests pin to the full ones. Field names follow mqtt-packet (cmd,
// topic, payload, qos, messageId...) so tests can cross-check against it; the fields only the
// connection setup and subscriptions use carry the bundle's internal suffix (`returnCode_`:
// shorter in the bundle; test/transport/mqtt/oracle.test.ts maps them).
// Every read is bounds-checked and fails with an MqttPacketError whose message is stable.
import { utf8DecodeStrict, utf8Encode } from '../../compat/utf8';

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

/** Largest remaining length a 4-byte varint can carry (MQTT-2.2.3): 268,435,455. */
export const MAX_REMAINING_LENGTH = 268435455;

const NONE: Uint8Array = new Uint8Array(0);

// ---- fixed header and primitives -------------------------------------------------------------

/** Bytes of the remaining-length varint (MQTT-2.2.3). */
export const varintLength = (n: number): number => {
  if (!(n >= 0 && n <= MAX_REMAINING_LENGTH) || n % 1) malformed(`remaining length ${n} out of range`);
  return n < 128 ? 1 : n < 16384 ? 2 : n < 2097152 ? 3 : 4;
};

/**
 * Reads a fixed header at `off`. Returns null when more bytes are needed, otherwise the first
 * byte, the remaining length and the header's size. A fifth continuation byte is malformed, and
 * so are types 0 and 15 and a whole packet over `max` bytes (refused before its body is read).
 */
export const readFixedHeader = (buf: Uint8Array, off: number, end = buf.length, max = Infinity): { byte0_: number; length_: number; size_: number } | null => {
  let n = 0;
  for (let i = 1; i < 5; i++) {
    if (off + i >= end) return null;
    const b = buf[off + i];
    n += (b & 127) << (7 * i - 7);
    if (b < 128) {
      const type = buf[off] >> 4;
      if (!type || type > 14) malformed(`unknown packet type ${type}`);
      if (n + i + 1 > max) malformed(`packet of ${n + i + 1} bytes exceeds the maximum of ${max}`);
      return { byte0_: buf[off], length_: n, size_: i + 1 };
    }
  }
  malformed('malformed remaining length');
};

/** A topic name (not a filter): non-empty (MQTT-4.7.3-1), no wildcard (MQTT-3.3.2-2). */
const checkTopic = (topic: string): void => {
  if (!topic) malformed('empty topic');
  if (/[+#]/.test(topic)) malformed('wildcard in topic name');
};

/** A QoS, or with `refusal` also a SUBACK's 0x80 (MQTT-3.9.3-2). */
const checkQos = (q: number, refusal?: 1): QoS => {
  if (![0, 1, 2, refusal ? 0x80 : 0].includes(q)) malformed(`invalid ${refusal ? 'suback code' : 'qos'} ${q}`);
  return q as QoS;
};

// ---- encoding ----------------------------------------------------------------------------------
// The body being encoded: the writers below append to it (encoding is synchronous).

let body: number[] = [];

const u16 = (v: number): number => body.push(v >>> 8, v & 255);
/** Bytes with their 2-byte length; `what` names them when they are too long. */
const bin = (b: Uint8Array, what: string): void => {
  if (b.length > 65535) malformed(`${what} longer than 65535 bytes`);
  u16(b.length);
  for (let i = 0; i < b.length; i++) body.push(b[i]);
};
/** A UTF-8 string with its 2-byte length. */
const str = (s: string, what: string): void => bin(utf8Encode(s), what);
/** A packet identifier: non-zero and 16-bit (MQTT-2.3.1-1). */
const id = (v: number | undefined): void => {
  if (!v || (v & 65535) !== v) malformed(`invalid packet id ${v}`);
  u16(v);
};

/** The whole packet: the fixed header, `body`, then `tail` (a PUBLISH's payload). */
const frame = (byte0: number, tail = NONE): Uint8Array => {
  let n = body.length + tail.length;
  if (n > MAX_REMAINING_LENGTH) malformed(`remaining length ${n} out of range`);
  const h = [byte0];
  // the remaining length: 7 bits a byte, low first, the top bit saying more follow (MQTT-2.2.3)
  do h.push((n & 127) | (n > 127 ? 128 : 0)); while ((n >>= 7));
  const b = h.concat(body);
  const out = new Uint8Array(b.length + tail.length);
  out.set(b);
  out.set(tail, b.length);
  return out;
};

/** What a client sends. */
export type ClientPacket = ConnectPacket | PublishPacket | SubscribePacket | (AckPacket & { cmd: 'puback' }) | EmptyPacket;

/**
 * Encodes what a client sends, and the packet-id-only acks: `encode` without the broker's
 * encoders (CONNACK, SUBACK, UNSUBSCRIBE), so the agent bundles only these.
 */
export const encodeClient = (p: ClientPacket | AckPacket): Uint8Array => {
  const t = (CMD_NAMES as readonly string[]).indexOf(p.cmd);
  // Required flags (MQTT-2.2.2-2): 0010 for PUBREL, SUBSCRIBE, UNSUBSCRIBE (types 6, 8, 10: bits
  // of 0x540), else 0000; PUBLISH adds its own.
  let byte0 = (t << 4) | ((0x540 >> t) & 1) * 2;
  let tail;
  body = [];
  switch (p.cmd) {
    case 'connect': {
      const { username_: user, password_: pass, will_: will, keepalive_: ka } = p;
      if (pass && user === undefined) malformed('password without username'); // MQTT-3.1.2-22
      if (!(ka >= 0 && ka <= 65535)) malformed(`invalid keepalive ${ka}`);
      // the protocol name 'MQTT' with its length, level 4 (3.1.1), the flags
      body.push(0, 4, 0x4d, 0x51, 0x54, 0x54, 4, (p.cleanSession_ ? 2 : 0) |
        (will ? 4 | (checkQos(will.qos) << 3) | (will.retain ? 0x20 : 0) : 0) | (pass ? 0x40 : 0) | (user !== undefined ? 0x80 : 0));
      u16(ka);
      str(p.clientId_, 'client id');
      if (will) {
        str(will.topic, 'will topic');
        bin(will.payload, 'will payload');
      }
      if (user !== undefined) str(user, 'username');
      if (pass) bin(pass, 'password');
      break;
    }
    case 'publish': {
      const qos = checkQos(p.qos);
      checkTopic(p.topic);
      if (!qos && p.dup) malformed('dup with qos 0'); // MQTT-3.3.1-2
      byte0 |= (p.dup ? 8 : 0) | (qos << 1) | (p.retain ? 1 : 0);
      str(p.topic, 'topic');
      if (qos) id(p.messageId);
      tail = p.payload;
      break;
    }
    case 'subscribe':
      if (!p.subscriptions_.length) malformed('subscribe without topics'); // MQTT-3.8.3-3
      id(p.messageId);
      for (const s of p.subscriptions_) {
        str(s.topic, 'topic filter');
        body.push(checkQos(s.qos));
      }
      break;
    default:
      // PINGREQ, PINGRESP, DISCONNECT: no body. PUBACK, PUBREC, PUBREL, PUBCOMP and UNSUBACK
      // (types 4 to 7 and 11: bits of 0x8f0): a packet id.
      if (t < 12) {
        if (!((0x8f0 >> t) & 1)) malformed(`cannot encode ${p.cmd}`);
        id((p as AckPacket).messageId);
      }
  }
  return frame(byte0, tail);
};

/** Encodes any packet into `buf` at `offset`, or into a new array of exactly its length. */
export const encode = (p: Packet, buf?: Uint8Array, offset = 0): Uint8Array => {
  let b: Uint8Array;
  body = [];
  switch (p.cmd) {
    case 'connack':
      body.push(p.sessionPresent_ ? 1 : 0, p.returnCode_);
      b = frame(0x20);
      break;
    case 'suback':
      id(p.messageId);
      for (const g of p.granted_) body.push(checkQos(g, 1));
      b = frame(0x90);
      break;
    case 'unsubscribe':
      if (!p.unsubscriptions_.length) malformed('unsubscribe without topics'); // MQTT-3.10.3-2
      id(p.messageId);
      for (const t of p.unsubscriptions_) str(t, 'topic filter');
      b = frame(0xa2);
      break;
    default: b = encodeClient(p);
  }
  if (!buf) return b;
  if (offset + b.length > buf.length) malformed('buffer too small');
  buf.set(b, offset);
  return buf;
};

export const encodingLength = (p: Packet): number => encode(p).length;

// ---- decoding ----------------------------------------------------------------------------------
// The body being decoded: buf[pos, end), and its packet's name for the messages. Decoding is
// synchronous, so one module-level cursor serves every packet.

let buf: Uint8Array = NONE;
let pos = 0;
let end = 0;
let what = '';

/** Skips n bytes that must be there; returns where they start. */
const take = (n: number): number => {
  if (pos + n > end) malformed(`truncated ${what}`);
  return (pos += n) - n;
};
const u8 = (): number => buf[take(1)];
const u16r = (): number => {
  const at = take(2);
  return (buf[at] << 8) | buf[at + 1];
};
/** A packet identifier, which is never 0 (MQTT-2.3.1-1). */
const idr = (): number => u16r() || malformed('invalid packet id 0');
const binr = (): Uint8Array => buf.subarray(take(u16r()), pos);
const strr = (): string => {
  const at = take(u16r());
  const s = utf8DecodeStrict(buf, at, pos);
  // MQTT-1.5.3-1/-2: well-formed UTF-8 without U+0000.
  if (s === null) malformed(`invalid utf-8 in ${what}`);
  if (s.indexOf('\u0000') >= 0) malformed(`NUL in string in ${what}`);
  return s;
};
const done = (): void => {
  if (pos !== end) malformed(`trailing bytes in ${what}`);
};

/**
 * Checks the fixed header's flags, points the cursor at the body; the packet's name. The type is
 * one readFixedHeader accepted (1 to 14).
 */
const open = (byte0: number, b: Uint8Array, start: number, stop: number): string => {
  const type = byte0 >> 4;
  const name = CMD_NAMES[type];
  if (type !== 3 && (byte0 & 15) !== ((0x540 >> type) & 1) * 2) malformed(`invalid flags for ${name}`);
  buf = b;
  pos = start;
  end = stop;
  return (what = name);
};

/** Decodes the body of a packet whose fixed header readFixedHeader read. */
export const decodeBody = (byte0: number, b: Uint8Array, start = 0, stop = b.length): Packet => {
  const type = byte0 >> 4;
  if (type !== 1 && type !== 8 && type !== 10) return decodeBrokerBody(byte0, b, start, stop) as Packet;
  open(byte0, b, start, stop);
  if (type === 1) {
    if (strr() !== 'MQTT') malformed('unsupported protocol name');
    const level = u8();
    if (level !== 4) malformed(`unsupported protocol level ${level}`);
    const f = u8();
    if (f & 0x01) malformed('connect reserved flag set'); // MQTT-3.1.2-3
    const keepalive = u16r();
    const p: ConnectPacket = { cmd: 'connect', clientId_: strr(), cleanSession_: (f & 0x02) !== 0, keepalive_: keepalive };
    if (f & 0x04) {
      const topic = strr();
      p.will_ = { topic, payload: binr(), qos: checkQos((f >> 3) & 3), retain: (f & 0x20) !== 0 };
    } else if (f & 0x38) malformed('will flags without will'); // MQTT-3.1.2-11/13/15
    if (f & 0x80) p.username_ = strr();
    if (f & 0x40) {
      if (!(f & 0x80)) malformed('password without username');
      p.password_ = binr();
    }
    done();
    return p;
  }
  const messageId = idr();
  const list: (string | Subscription)[] = [];
  while (pos < end) {
    const topic = strr();
    if (type === 10) list.push(topic);
    else {
      const o = u8();
      if (o & 0xfc) malformed('subscribe reserved bits set'); // MQTT-3.8.3-4
      list.push({ topic, qos: checkQos(o) });
    }
  }
  if (!list.length) malformed(`${what} without topics`);
  return type === 8 ? { cmd: 'subscribe', messageId, subscriptions_: list as Subscription[] } : { cmd: 'unsubscribe', messageId, unsubscriptions_: list as string[] };
};

/** A packet a client never receives (CONNECT, SUBSCRIBE, UNSUBSCRIBE), its body unread. */
export interface UnexpectedPacket { cmd: 'connect' | 'subscribe' | 'unsubscribe' }

/**
 * `decodeBody` for the packets a broker sends, as decodeBody decodes them. CONNECT, SUBSCRIBE
 * and UNSUBSCRIBE only have their fixed header checked: a client has no use for their bodies.
 */
export const decodeBrokerBody = (byte0: number, b: Uint8Array, start = 0, stop = b.length): Exclude<Packet, ConnectPacket | SubscribePacket | UnsubscribePacket> | UnexpectedPacket => {
  const cmd = open(byte0, b, start, stop) as never;
  let p;
  switch (byte0 >> 4) {
    case 1: case 8: case 10: return { cmd };
    case 2: {
      const f = u8();
      if (f & 0xfe) malformed('connack reserved flags set'); // MQTT-3.2.2-1
      p = { cmd, sessionPresent_: f === 1, returnCode_: u8() };
      break;
    }
    case 3: {
      const qos = (byte0 >> 1) & 3;
      if (qos === 3) malformed('invalid qos 3'); // MQTT-3.3.1-4
      const topic = strr();
      checkTopic(topic);
      p = { cmd, topic, payload: NONE, qos: qos as QoS, retain: !!(byte0 & 1), dup: !!(byte0 & 8) } as PublishPacket;
      if (qos) p.messageId = idr();
      p.payload = buf.subarray(pos, (pos = end));
      break;
    }
    case 9:
      p = { cmd, messageId: idr(), granted_: [] as number[] };
      while (pos < end) p.granted_.push(checkQos(u8(), 1));
      break;
    case 12: case 13: case 14:
      p = { cmd };
      break;
    default: p = { cmd, messageId: idr() };
  }
  if (pos !== end) malformed(`trailing bytes in ${what}`); // done(), written out: the bundle has no other caller
  return p;
};

/** Decodes one whole packet at `offset`; `bytes` is how many it took. */
export const decode = (b: Uint8Array, offset = 0): { value: Packet; bytes: number } => {
  const h = readFixedHeader(b, offset);
  if (!h || offset + h.size_ + h.length_ > b.length) malformed('truncated packet');
  const start = offset + h.size_;
  return { value: decodeBody(h.byte0_, b, start, start + h.length_), bytes: h.size_ + h.length_ };
};
