// Cross-check of our codec against mqtt-packet (the de-facto reference, Node-only because it
// needs Buffer): for every packet type and seeded random fields, both encoders give the same
// bytes, and each side's parser reads the other's output back to the same fields.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import mqttPacket from 'mqtt-packet';
import * as mqtt from '../../../src/transport/mqtt/packet';
import type { Packet } from '../../../src/transport/mqtt/packet';
import { PacketParser } from '../../../src/transport/mqtt/parser';
import { seeded } from '../../support/check';
import { randomPacket, hex } from './packet.cases';

type Loose = Record<string, unknown>;

function toOracle(p: Packet): Loose {
  switch (p.cmd) {
    case 'connect': {
      const o: Loose = { cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: p.cleanSession_, clientId: p.clientId_, keepalive: p.keepalive_ };
      if (p.username_ !== undefined) o.username = p.username_;
      if (p.password_ !== undefined) o.password = Buffer.from(p.password_);
      if (p.will_) o.will = { topic: p.will_.topic, payload: Buffer.from(p.will_.payload), qos: p.will_.qos, retain: p.will_.retain };
      return o;
    }
    case 'publish': {
      const o: Loose = { ...p, payload: Buffer.from(p.payload) };
      if (p.qos === 0) delete o.messageId;
      return o;
    }
    // ours name these fields with the bundle's internal suffix (scripts/mangle-props.mjs)
    case 'connack': return { cmd: 'connack', sessionPresent: p.sessionPresent_, returnCode: p.returnCode_ };
    case 'subscribe': return { cmd: 'subscribe', messageId: p.messageId, subscriptions: p.subscriptions_ };
    case 'suback': return { cmd: 'suback', messageId: p.messageId, granted: p.granted_ };
    case 'unsubscribe': return { cmd: 'unsubscribe', messageId: p.messageId, unsubscriptions: p.unsubscriptions_ };
    default:
      return { ...p };
  }
}

/** The fields of an mqtt-packet parse result, in our shape. */
function fromOracle(o: Loose): Packet {
  const buf = (b: unknown) => new Uint8Array(b as Buffer);
  switch (o.cmd) {
    case 'connect': {
      const p: Packet = { cmd: 'connect', clientId_: o.clientId as string, cleanSession_: o.clean as boolean, keepalive_: o.keepalive as number };
      const w = o.will as Loose | undefined;
      if (w) p.will_ = { topic: w.topic as string, payload: buf(w.payload), qos: w.qos as 0, retain: w.retain as boolean };
      if (o.username !== undefined) p.username_ = o.username as string;
      if (o.password !== undefined) p.password_ = buf(o.password);
      return p;
    }
    case 'connack': return { cmd: 'connack', sessionPresent_: o.sessionPresent as boolean, returnCode_: o.returnCode as number };
    case 'publish': {
      const p: Packet = { cmd: 'publish', topic: o.topic as string, payload: buf(o.payload), qos: o.qos as 0, retain: o.retain as boolean, dup: o.dup as boolean };
      if ((o.qos as number) > 0) p.messageId = o.messageId as number;
      return p;
    }
    case 'subscribe': return { cmd: 'subscribe', messageId: o.messageId as number, subscriptions_: (o.subscriptions as Loose[]).map((s) => ({ topic: s.topic as string, qos: s.qos as 0 })) };
    case 'suback': return { cmd: 'suback', messageId: o.messageId as number, granted_: o.granted as number[] };
    case 'unsubscribe': return { cmd: 'unsubscribe', messageId: o.messageId as number, unsubscriptions_: o.unsubscriptions as string[] };
    case 'pingreq': case 'pingresp': case 'disconnect': return { cmd: o.cmd };
    default: return { cmd: o.cmd as 'puback', messageId: o.messageId as number };
  }
}

function oracleParse(bytes: Uint8Array): Loose[] {
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  const out: Loose[] = [];
  const errors: Error[] = [];
  parser.on('packet', (p) => out.push(p as unknown as Loose));
  parser.on('error', (e: Error) => errors.push(e));
  parser.parse(Buffer.from(bytes));
  if (errors.length) throw errors[0];
  return out;
}

// mqtt-packet refuses an empty client id without clean session (the broker would, MQTT-3.1.3-7);
// our encoder leaves that to the broker. Give such packets an id for the comparison.
function comparable(p: Packet): Packet {
  if (p.cmd === 'connect' && p.clientId_ === '' && !p.cleanSession_) return { ...p, clientId_: 'x' };
  return p;
}

test('every packet type: same bytes as mqtt-packet, and each parses the other (seeded)', () => {
  const r = seeded(1234);
  const seen = new Set<string>();
  for (let i = 0; i < 3000; i++) {
    const p = comparable(randomPacket(r));
    seen.add(p.cmd);
    const ours = mqtt.encode(p);
    const theirs = mqttPacket.generate(toOracle(p) as never);
    assert.equal(hex(ours), theirs.toString('hex'), `encode ${p.cmd} #${i}`);
    const back = oracleParse(ours);
    assert.equal(back.length, 1);
    assert.deepEqual(fromOracle(back[0]), p, `mqtt-packet parse of ours ${p.cmd} #${i}`);
    const mine: Packet[] = [];
    new PacketParser(1 << 20, mqtt.decodeBody).push_(new Uint8Array(theirs), (x) => mine.push(x));
    assert.deepEqual(mine, [p], `our parse of mqtt-packet's ${p.cmd} #${i}`);
  }
  assert.equal(seen.size, 14, `packet types covered: ${[...seen].join(',')}`);
});

test('boundary sizes agree with mqtt-packet (remaining length 127/128/16383/16384/2097152)', () => {
  for (const n of [127, 128, 16383, 16384, 2097151, 2097152]) {
    const p: Packet = { cmd: 'publish', topic: 't', payload: new Uint8Array(n - 3).fill(7), qos: 0, retain: false, dup: false };
    assert.equal(hex(mqtt.encode(p)), mqttPacket.generate(toOracle(p) as never).toString('hex'), `size ${n}`);
  }
});
