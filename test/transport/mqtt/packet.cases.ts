import type { Cases } from '../../support/cases';
import { eq, deepEq, ok, throws, seeded } from '../../support/check';
import * as mqtt from '../../../src/transport/mqtt/packet';
import { MqttPacketError, type Packet } from '../../../src/transport/mqtt/packet';
import { PacketParser } from '../../../src/transport/mqtt/parser';
import { utf8Encode } from '../../../src/compat/utf8';

export function hex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += (b[i] < 16 ? '0' : '') + b[i].toString(16);
  return s;
}
export function unhex(s: string): Uint8Array {
  s = s.replace(/\s+/g, '');
  const b = new Uint8Array(s.length / 2);
  for (let i = 0; i < b.length; i++) b[i] = parseInt(s.substr(i * 2, 2), 16);
  return b;
}
const bytes = (s: string): Uint8Array => utf8Encode(s);

/** encode → decode → re-encode; lengths agree; encoding at an offset writes the same bytes. */
export function roundTrip(p: Packet): Uint8Array {
  const b = mqtt.encode(p);
  eq(b.length, mqtt.encodingLength(p), `encodingLength of ${p.cmd}`);
  const d = mqtt.decode(b);
  eq(d.bytes, b.length, 'decode consumed');
  deepEq(d.value, p, `decode of ${p.cmd}`);
  eq(hex(mqtt.encode(d.value)), hex(b), 're-encode');
  const big = new Uint8Array(b.length + 7);
  mqtt.encode(p, big, 3);
  eq(hex(big.subarray(3, 3 + b.length)), hex(b), 'encode at offset');
  eq(mqtt.decode(big, 3).bytes, b.length, 'decode at offset');
  return b;
}

// Byte-exact fixtures, worked out from the MQTT 3.1.1 figures.
const FIXTURES: [Packet, string][] = [
  [{ cmd: 'connect', clientId_: 'a', cleanSession_: false, keepalive_: 60 }, '10 0d 0004 4d515454 04 00 003c 0001 61'],
  [{ cmd: 'connect', clientId_: 's1', cleanSession_: true, keepalive_: 30, username_: 'u', password_: bytes('pw'),
    will_: { topic: 't', payload: bytes('x'), qos: 1, retain: true } },
  '10 1b 0004 4d515454 04 ee 001e 0002 7331 0001 74 0001 78 0001 75 0002 7077'],
  [{ cmd: 'connack', sessionPresent_: true, returnCode_: 0 }, '20 02 01 00'],
  [{ cmd: 'connack', sessionPresent_: false, returnCode_: 5 }, '20 02 00 05'],
  [{ cmd: 'publish', topic: 'a/b', payload: bytes('hi'), qos: 0, retain: false, dup: false }, '30 07 0003 612f62 6869'],
  [{ cmd: 'publish', topic: 'a/b', payload: bytes('hi'), qos: 1, retain: true, dup: true, messageId: 10 }, '3b 09 0003 612f62 000a 6869'],
  [{ cmd: 'puback', messageId: 1 }, '40 02 0001'],
  [{ cmd: 'pubrec', messageId: 258 }, '50 02 0102'],
  [{ cmd: 'pubrel', messageId: 2 }, '62 02 0002'],
  [{ cmd: 'pubcomp', messageId: 65535 }, '70 02 ffff'],
  [{ cmd: 'subscribe', messageId: 1, subscriptions_: [{ topic: 'a/#', qos: 1 }] }, '82 08 0001 0003 612f23 01'],
  [{ cmd: 'suback', messageId: 1, granted_: [1, 0x80] }, '90 04 0001 01 80'],
  [{ cmd: 'unsubscribe', messageId: 3, unsubscriptions_: ['a/+'] }, 'a2 07 0003 0003 612f2b'],
  [{ cmd: 'unsuback', messageId: 3 }, 'b0 02 0003'],
  [{ cmd: 'pingreq' }, 'c0 00'],
  [{ cmd: 'pingresp' }, 'd0 00'],
  [{ cmd: 'disconnect' }, 'e0 00'],
];

// Whole-buffer decode failures and their stable messages.
const MALFORMED: [string, string][] = [
  ['c0', 'mqtt: truncated packet'],
  ['c1 00', 'mqtt: invalid flags for pingreq'],
  ['c0 01 00', 'mqtt: trailing bytes in pingreq'],
  ['00 00', 'mqtt: unknown packet type 0'],
  ['f0 00', 'mqtt: unknown packet type 15'],
  ['30 ff ff ff ff 01', 'mqtt: malformed remaining length'],
  ['30 05 0003 612f', 'mqtt: truncated packet'],
  ['30 02 0003', 'mqtt: truncated publish'],
  ['36 05 0001 61 0001', 'mqtt: invalid qos 3'],
  ['30 02 0000', 'mqtt: empty topic'],
  ['30 03 0001 23', 'mqtt: wildcard in topic name'],
  ['30 03 0001 2b', 'mqtt: wildcard in topic name'],
  ['32 05 0001 61 0000', 'mqtt: invalid packet id 0'],
  ['32 04 0001 61 00', 'mqtt: truncated publish'],
  ['30 04 0002 c328', 'mqtt: invalid utf-8 in publish'],
  ['30 05 0003 eda080', 'mqtt: invalid utf-8 in publish'],
  ['30 03 0001 00', 'mqtt: NUL in string in publish'],
  ['40 03 0001 00', 'mqtt: trailing bytes in puback'],
  ['40 01 00', 'mqtt: truncated puback'],
  ['40 02 0000', 'mqtt: invalid packet id 0'],
  ['60 02 0001', 'mqtt: invalid flags for pubrel'],
  ['20 02 02 00', 'mqtt: connack reserved flags set'],
  ['20 01 00', 'mqtt: truncated connack'],
  ['90 03 0001 03', 'mqtt: invalid suback code 3'],
  ['82 02 0001', 'mqtt: subscribe without topics'],
  ['80 06 0001 0001 61 00', 'mqtt: invalid flags for subscribe'],
  ['82 06 0001 0001 61 04', 'mqtt: subscribe reserved bits set'],
  ['a2 02 0001', 'mqtt: unsubscribe without topics'],
  ['10 0c 0006 4d5149736470 03 00 003c', 'mqtt: unsupported protocol name'],
  ['10 0a 0004 4d515454 05 00 003c', 'mqtt: unsupported protocol level 5'],
  ['10 0d 0004 4d515454 04 01 003c 0001 61', 'mqtt: connect reserved flag set'],
  ['10 0d 0004 4d515454 04 08 003c 0001 61', 'mqtt: will flags without will'],
  ['10 0f 0004 4d515454 04 40 003c 0001 61 0000', 'mqtt: password without username'],
  ['10 0c 0004 4d515454 04 00 003c 0001', 'mqtt: truncated connect'],
];

function randomString(r: () => number, max: number): string {
  const alphabet = Array.from('abcxyz019/_-.é€😀');
  let s = '';
  const n = Math.floor(r() * max);
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(r() * alphabet.length)] ?? 'a';
  return s;
}

function randomBytes(r: () => number, max: number): Uint8Array {
  const b = new Uint8Array(Math.floor(r() * max));
  for (let i = 0; i < b.length; i++) b[i] = Math.floor(r() * 256);
  return b;
}

function topic(r: () => number): string {
  const t = randomString(r, 40).replace(/[+#\u0000]/g, '');
  return t.length ? t : 't';
}

export function randomPacket(r: () => number): Packet {
  const id = 1 + Math.floor(r() * 65535);
  const qos = Math.floor(r() * 3) as 0 | 1 | 2;
  switch (Math.floor(r() * 10)) {
    case 0: {
      const p: Packet = { cmd: 'connect', clientId_: randomString(r, 23), cleanSession_: r() < 0.5, keepalive_: Math.floor(r() * 65536) };
      if (r() < 0.5) p.will_ = { topic: topic(r), payload: randomBytes(r, 50), qos, retain: r() < 0.5 };
      if (r() < 0.5) { p.username_ = randomString(r, 20); if (r() < 0.5) p.password_ = randomBytes(r, 20); }
      return p;
    }
    case 1: return { cmd: 'connack', sessionPresent_: r() < 0.5, returnCode_: Math.floor(r() * 6) };
    case 2: case 3: {
      const p: Packet = { cmd: 'publish', topic: topic(r), payload: randomBytes(r, r() < 0.1 ? 20000 : 300), qos, retain: r() < 0.5, dup: qos > 0 && r() < 0.5 };
      if (qos > 0) p.messageId = id;
      return p;
    }
    case 4: return { cmd: (['puback', 'pubrec', 'pubrel', 'pubcomp', 'unsuback'] as const)[Math.floor(r() * 5)], messageId: id };
    case 5: return { cmd: 'subscribe', messageId: id, subscriptions_: [{ topic: topic(r) + '/#', qos }, { topic: '+/' + topic(r), qos: 0 }] };
    case 6: return { cmd: 'suback', messageId: id, granted_: [0, 1, 2, 0x80].slice(0, 1 + Math.floor(r() * 4)) };
    case 7: return { cmd: 'unsubscribe', messageId: id, unsubscriptions_: [topic(r), 'a/+'] };
    default: return { cmd: (['pingreq', 'pingresp', 'disconnect'] as const)[Math.floor(r() * 3)] };
  }
}

function parseAll(parser: PacketParser, chunks: Uint8Array[]): Packet[] {
  const out: Packet[] = [];
  for (const c of chunks) parser.push_(c, (p) => out.push(p));
  return out;
}

export const cases: Cases = {
  'byte-exact fixtures round-trip': () => {
    for (const [p, h] of FIXTURES) eq(hex(roundTrip(p)), h.replace(/\s+/g, ''), p.cmd);
  },
  'remaining length varint at every size boundary (MQTT-2.2.3)': () => {
    for (const [n, h] of [[0, '00'], [127, '7f'], [128, '8001'], [16383, 'ff7f'], [16384, '808001'], [2097151, 'ffff7f'], [2097152, '80808001']] as [number, string][]) {
      eq(mqtt.varintLength(n), h.length / 2, `varintLength ${n}`);
      // A publish whose remaining length is exactly n: topic "t" (3 bytes) + payload.
      if (n >= 3 && n <= 2097152) {
        const b = mqtt.encode({ cmd: 'publish', topic: 't', payload: new Uint8Array(n - 3), qos: 0, retain: false, dup: false });
        eq(hex(b.subarray(1, 1 + h.length / 2)), h, `varint ${n}`);
        eq(mqtt.decode(b).bytes, b.length, `decode ${n}`);
      }
    }
    eq(mqtt.varintLength(268435455), 4);
    throws(() => mqtt.varintLength(268435456), 'mqtt: remaining length 268435456 out of range');
  },
  'malformed packets fail with stable messages': () => {
    for (const [h, msg] of MALFORMED) {
      throws(() => mqtt.decode(unhex(h)), msg, h);
      // The stream parser refuses the same bytes (or waits for more when they are a prefix).
      const p = new PacketParser(1 << 20, mqtt.decodeBody);
      let err = '';
      try { p.push_(unhex(h), () => undefined); } catch (e) { err = (e as Error).message; ok(e instanceof MqttPacketError, 'parser error type'); }
      ok(err === msg || (msg.indexOf('truncated') >= 0 && (err === '' || err === msg)), `parser on ${h}: ${err}`);
    }
  },
  'encoder refuses what the spec forbids': () => {
    const pub = (o: Partial<mqtt.PublishPacket>): Packet => ({ cmd: 'publish', topic: 'a', payload: new Uint8Array(0), qos: 0, retain: false, dup: false, ...o });
    throws(() => mqtt.encode(pub({ topic: 'a/+' })), 'mqtt: wildcard in topic name');
    throws(() => mqtt.encode(pub({ topic: '' })), 'mqtt: empty topic');
    throws(() => mqtt.encode(pub({ qos: 1 })), 'mqtt: invalid packet id undefined');
    throws(() => mqtt.encode(pub({ qos: 1, messageId: 0 })), 'mqtt: invalid packet id 0');
    throws(() => mqtt.encode(pub({ qos: 0, dup: true })), 'mqtt: dup with qos 0');
    throws(() => mqtt.encode(pub({ qos: 3 as 0 })), 'mqtt: invalid qos 3');
    throws(() => mqtt.encode(pub({ topic: 'x'.repeat(65536) })), 'mqtt: topic longer than 65535 bytes');
    throws(() => mqtt.encode({ cmd: 'connect', clientId_: 'a', cleanSession_: true, keepalive_: 1, password_: new Uint8Array(1) }), 'mqtt: password without username');
    throws(() => mqtt.encode({ cmd: 'connect', clientId_: 'a', cleanSession_: true, keepalive_: 70000 }), 'mqtt: invalid keepalive 70000');
    throws(() => mqtt.encode({ cmd: 'subscribe', messageId: 1, subscriptions_: [] }), 'mqtt: subscribe without topics');
    throws(() => mqtt.encode({ cmd: 'puback', messageId: 1 }, new Uint8Array(3)), 'mqtt: buffer too small');
  },
  // The agent bundles only encodeClient and decodeBrokerBody: they must agree with the full codec
  // (which the oracle tests pin to mqtt-packet) byte for byte and message for message.
  'client halves: encodeClient and decodeBrokerBody agree with encode and decodeBody': () => {
    const CLIENT = ['connect', 'publish', 'subscribe', 'puback', 'pingreq', 'pingresp', 'disconnect'];
    const UNREAD = ['connect', 'subscribe', 'unsubscribe'];
    const r = seeded(41);
    const packets = FIXTURES.map(([p]) => p);
    for (let i = 0; i < 400; i++) packets.push(randomPacket(r));
    let sent = 0;
    let received = 0;
    for (const p of packets) {
      const b = mqtt.encode(p);
      if (CLIENT.indexOf(p.cmd) >= 0) {
        eq(hex(mqtt.encodeClient(p as mqtt.ClientPacket)), hex(b), `encodeClient ${p.cmd}`);
        sent++;
      }
      const h = mqtt.readFixedHeader(b, 0)!;
      const got = mqtt.decodeBrokerBody(b[0], b, h.size_, b.length);
      if (UNREAD.indexOf(p.cmd) >= 0) deepEq(got, { cmd: p.cmd }, `unread ${p.cmd}`);
      else { deepEq(got, mqtt.decodeBody(b[0], b, h.size_, b.length), `decodeBrokerBody ${p.cmd}`); received++; }
    }
    ok(sent > 100 && received > 100, `sent ${sent}, received ${received}`);
    for (const [h, msg] of MALFORMED) {
      const type = parseInt(h.slice(0, 1), 16);
      if (type === 1 || type === 8 || type === 10) continue;
      const b = unhex(h);
      let err = '';
      try { new PacketParser(1 << 20, mqtt.decodeBrokerBody).push_(b, () => undefined); } catch (e) { err = (e as Error).message; }
      ok(err === msg || (msg.indexOf('truncated') >= 0 && err === ''), `broker parser on ${h}: ${err}`);
    }
    const pub = (o: Partial<mqtt.PublishPacket>): mqtt.ClientPacket => ({ cmd: 'publish', topic: 'a', payload: new Uint8Array(0), qos: 0, retain: false, dup: false, ...o });
    throws(() => mqtt.encodeClient(pub({ topic: 'a/#' })), 'mqtt: wildcard in topic name');
    throws(() => mqtt.encodeClient(pub({ qos: 1 })), 'mqtt: invalid packet id undefined');
    throws(() => mqtt.encodeClient({ cmd: 'subscribe', messageId: 1, subscriptions_: [] }), 'mqtt: subscribe without topics');
    throws(() => mqtt.encodeClient({ cmd: 'connect', clientId_: 'a', cleanSession_: true, keepalive_: 70000 }), 'mqtt: invalid keepalive 70000');
  },
  'UTF-8 strings: multi-byte topics survive, lengths are in bytes': () => {
    const b = roundTrip({ cmd: 'publish', topic: 'é/€/😀', payload: new Uint8Array([1]), qos: 0, retain: false, dup: false });
    eq(hex(b.subarray(2, 4)), '000b', 'topic length 2+1+3+1+4 bytes');
  },
  'stream parser: byte by byte, coalesced, and split anywhere': () => {
    const packets = FIXTURES.map(([p]) => p);
    const all = packets.map((p) => mqtt.encode(p));
    let total = 0;
    for (const b of all) total += b.length;
    const joined = new Uint8Array(total);
    let o = 0;
    for (const b of all) { joined.set(b, o); o += b.length; }
    const singles: Uint8Array[] = [];
    for (let i = 0; i < joined.length; i++) singles.push(joined.subarray(i, i + 1));
    deepEq(parseAll(new PacketParser(1 << 20, mqtt.decodeBody), singles), packets, 'byte by byte');
    deepEq(parseAll(new PacketParser(1 << 20, mqtt.decodeBody), [joined]), packets, 'one chunk');
    for (let cut = 1; cut < joined.length; cut += 7) {
      deepEq(parseAll(new PacketParser(1 << 20, mqtt.decodeBody), [joined.subarray(0, cut), joined.subarray(cut)]), packets, `cut at ${cut}`);
    }
  },
  'stream parser: oversized packet refused from its header, then stays failed': () => {
    const p = new PacketParser(100, mqtt.decodeBody);
    const big = mqtt.encode({ cmd: 'publish', topic: 't', payload: new Uint8Array(200), qos: 0, retain: false, dup: false });
    let got = 0;
    throws(() => p.push_(big.subarray(0, 3), () => got++), 'mqtt: packet of 206 bytes exceeds the maximum of 100');
    throws(() => p.push_(mqtt.encode({ cmd: 'pingresp' }), () => got++), 'exceeds the maximum');
    eq(got, 0);
    // Exactly at the limit is fine.
    const q = new PacketParser(big.length, mqtt.decodeBody);
    parseAll(q, [big]);
  },
  'stream parser: a packet before the garbage is delivered': () => {
    const p = new PacketParser(1 << 20, mqtt.decodeBody);
    const seen: string[] = [];
    const chunk = new Uint8Array([0xd0, 0x00, 0x00, 0x00]);
    throws(() => p.push_(chunk, (x) => seen.push(x.cmd)), 'mqtt: unknown packet type 0');
    deepEq(seen, ['pingresp']);
  },
  'seeded fuzz: random packets round-trip and parse from random chunking': () => {
    const r = seeded(0x5eed);
    for (let round = 0; round < 40; round++) {
      const packets: Packet[] = [];
      const enc: Uint8Array[] = [];
      for (let i = 0; i < 12; i++) {
        const p = randomPacket(r);
        enc.push(roundTrip(p));
        packets.push(p);
      }
      let n = 0;
      for (const b of enc) n += b.length;
      const joined = new Uint8Array(n);
      let o = 0;
      for (const b of enc) { joined.set(b, o); o += b.length; }
      const chunks: Uint8Array[] = [];
      for (let i = 0; i < joined.length;) {
        const len = 1 + Math.floor(r() * (r() < 0.5 ? 8 : 3000));
        chunks.push(joined.subarray(i, i + len));
        i += len;
      }
      deepEq(parseAll(new PacketParser(1 << 20, mqtt.decodeBody), chunks), packets, `round ${round}`);
    }
  },
  'seeded fuzz: garbage never escapes as anything but MqttPacketError': () => {
    const r = seeded(42);
    let errors = 0;
    let packets = 0;
    for (let round = 0; round < 300; round++) {
      const p = new PacketParser(4096, mqtt.decodeBody);
      const valid = mqtt.encode(randomPacket(r));
      // Mutate a valid packet: flip bytes, cut, or append noise.
      const b = valid.slice(0, Math.max(1, Math.floor(r() * (valid.length + 4))));
      for (let k = 0; k < 1 + Math.floor(r() * 4); k++) b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
      try {
        p.push_(b, () => packets++);
        p.push_(randomBytes(r, 64), () => packets++);
      } catch (e) {
        if (!(e instanceof MqttPacketError)) throw new Error(`round ${round}: ${String(e)}`);
        errors++;
      }
    }
    ok(errors > 100, `errors ${errors}`);
    ok(packets > 10, `packets ${packets}`);
  },
};
