// MqttClient against scripted fake brokers (a Node TCP server on loopback) for what a real
// broker will not do on demand: garbage, oversized packets, silence (half-open), dropping a
// connection before PUBACK. Also the backoff schedule with a manual clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { createNodeHost } from '../../../src/host/node';
import type { Host, TimerHandle } from '../../../src/host/types';
import { Counters } from '../../../src/counters';
import { mqttClient, type MqttClient, type ByteStream, type MqttClientOptions } from '../../../src/transport/mqtt/client';
import { decodeBody, encode, type Packet } from '../../../src/transport/mqtt/packet';
import { PacketParser } from '../../../src/transport/mqtt/parser';
import { socketStream, waitFor, bytes } from '../helpers';

const host = createNodeHost();

type Script = (sock: Socket, p: Packet, n: number) => void;

/** A TCP server that parses what clients send and answers by `script` (n = connection index). */
async function fakeBroker(script: Script): Promise<{ port: number; got: Packet[][]; server: Server; close: () => Promise<void> }> {
  const got: Packet[][] = [];
  const socks: Socket[] = [];
  const server = createServer((sock) => {
    const n = got.length;
    got.push([]);
    socks.push(sock);
    const parser = new PacketParser(1 << 20, decodeBody);
    sock.on('error', () => undefined);
    sock.on('data', (c: Buffer) => {
      try {
        parser.push_(new Uint8Array(c), (p) => { got[n].push(p); script(sock, p, n); });
      } catch { sock.destroy(); }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { port, got, server, close: () => { for (const s of socks) s.destroy(); return new Promise((r) => server.close(() => r())); } };
}

const connack = encode({ cmd: 'connack', sessionPresent_: false, returnCode_: 0 });

function client(port: number, extra: Partial<MqttClientOptions> = {}, counters = new Counters()): { c: MqttClient; reasons: string[]; counters: Counters } {
  const c = mqttClient({ host_: host, counters_: counters, options_: { clientId_: 'fake-1', connect_: () => socketStream(port), keepaliveSec_: 30, backoffMinMs_: 50, backoffMaxMs_: 200, ...extra } });
  const reasons: string[] = [];
  c.onDown_ = (r) => { reasons.push(r); };
  return { c, reasons, counters };
}

test('garbage from the broker: clean error, counted, reconnect, no crash', async () => {
  const b = await fakeBroker((s, p, n) => {
    if (p.cmd !== 'connect') return;
    s.write(connack);
    if (n === 0) s.write(new Uint8Array([0x00, 0x00, 0xde, 0xad]));
  });
  const { c, reasons, counters } = client(b.port);
  c.start_();
  await waitFor('second connection', () => b.got.length === 2 && c.connected);
  assert.equal(reasons[0], 'bad packet from broker: mqtt: unknown packet type 0');
  assert.equal(counters.dropped('mqtt_bad_packet'), 1);
  c.stop_();
  await b.close();
});

test('a broker that accepts, then sends garbage every time: the attempts add up to maxAttempts (a CONNACK alone does not reset them)', { timeout: 20_000 }, async () => {
  const b = await fakeBroker((s, p) => {
    if (p.cmd !== 'connect') return;
    s.write(connack);
    s.write(new Uint8Array([0x00, 0x00]));
  });
  const { c, reasons } = client(b.port, { maxAttempts_: 3 });
  const fatal = new Promise<Error>((resolve) => { c.onFatal_ = resolve; });
  c.start_();
  assert.match((await fatal).message, /giving up after 3 attempts: bad packet from broker/);
  assert.equal(reasons.length, 3);
  await b.close();
});

test('oversized packet from the broker: refused from its header, reconnect', async () => {
  const b = await fakeBroker((s, p, n) => {
    if (p.cmd !== 'connect') return;
    s.write(connack);
    // A PUBLISH header announcing 10 MB; the body never needs to arrive.
    if (n === 0) s.write(new Uint8Array([0x30, 0x80, 0x80, 0x80, 0x05]));
  });
  const { c, reasons } = client(b.port, { maxIncoming_: 64 * 1024 });
  c.start_();
  await waitFor('reconnected', () => b.got.length === 2 && c.connected);
  assert.equal(reasons[0], 'bad packet from broker: mqtt: packet of 10485765 bytes exceeds the maximum of 65536');
  c.stop_();
  await b.close();
});

test('malformed CONNACK and a non-CONNACK first packet are connection failures with reasons', async () => {
  const b = await fakeBroker((s, p, n) => {
    if (p.cmd !== 'connect') return;
    if (n === 0) s.write(new Uint8Array([0x20, 0x02, 0x07, 0x00]));
    else if (n === 1) s.write(encode({ cmd: 'pingresp' }));
    else s.write(connack);
  });
  const { c, reasons } = client(b.port);
  c.start_();
  await waitFor('third connection succeeds', () => c.connected);
  assert.equal(reasons[0], 'bad packet from broker: mqtt: connack reserved flags set');
  assert.equal(reasons[1], 'bad packet from broker: mqtt: expected CONNACK, got PINGRESP');
  c.stop_();
  await b.close();
});

test('half-open link: no PINGRESP within the deadline drops the stream and reconnects', async () => {
  const b = await fakeBroker((s, p, n) => {
    if (p.cmd === 'connect') s.write(connack);
    if (p.cmd === 'pingreq' && n > 0) s.write(encode({ cmd: 'pingresp' }));
  });
  const { c, reasons, counters } = client(b.port, { keepaliveSec_: 1, pingTimeoutMs_: 300 });
  c.start_();
  await waitFor('reconnect after ping timeout', () => b.got.length === 2 && c.connected, 5000);
  assert.equal(reasons[0], 'keepalive: no PINGRESP within 300 ms (half-open connection)');
  assert.equal(counters.get('mqtt_ping_timeouts'), 1);
  // The second connection answers pings: it stays up across several keepalive periods.
  await new Promise((r) => setTimeout(r, 2500));
  assert.equal(b.got.length, 2);
  assert.ok(b.got[1].filter((p) => p.cmd === 'pingreq').length >= 1);
  c.stop_();
  await b.close();
});

test('QoS 1 unacknowledged at disconnect is re-sent with DUP and the same packet id', async () => {
  const b = await fakeBroker((s, p, n) => {
    if (p.cmd === 'connect') s.write(connack);
    if (p.cmd === 'publish' && n === 0) s.destroy(); // lose the connection before PUBACK
    if (p.cmd === 'publish' && n === 1) s.write(encode({ cmd: 'puback', messageId: p.messageId! }));
  });
  const { c, counters } = client(b.port);
  c.start_();
  const acked = c.publish_('netledger/v1/fake-1/dns', bytes('batch'), 1);
  await acked;
  const first = b.got[0].find((p) => p.cmd === 'publish');
  const second = b.got[1].find((p) => p.cmd === 'publish');
  assert.ok(first && first.cmd === 'publish' && second && second.cmd === 'publish');
  assert.equal(first.dup, false);
  assert.equal(second.dup, true);
  assert.equal(second.messageId, first.messageId);
  assert.equal(counters.get('mqtt_resent'), 1);
  // CONNECT asked for a persistent session (clean session off).
  const conn = b.got[0][0];
  assert.ok(conn.cmd === 'connect' && conn.cleanSession_ === false && conn.clientId_ === 'fake-1');
  c.stop_();
  await b.close();
});

test('in-flight window: never more than `inflight` unacknowledged publishes on the wire', async () => {
  let outstanding = 0;
  let peak = 0;
  const b = await fakeBroker((s, p) => {
    if (p.cmd === 'connect') s.write(connack);
    if (p.cmd === 'publish') {
      outstanding++;
      peak = Math.max(peak, outstanding);
      setTimeout(() => { outstanding--; s.write(encode({ cmd: "puback", messageId: p.messageId! })); }, 30);
    }
  });
  const { c, counters } = client(b.port, { inflight_: 3 });
  c.start_();
  await Promise.all(Array.from({ length: 20 }, (_, i) => c.publish_('t/x', bytes(String(i)), 1)));
  assert.equal(peak, 3);
  assert.equal(counters.get('mqtt_acked'), 20);
  c.stop_();
  await b.close();
});

test('no CONNACK: connect timeout; stop() rejects pending publishes', async () => {
  const b = await fakeBroker(() => undefined);
  const { c, reasons } = client(b.port, { connectTimeoutMs_: 200, backoffMinMs_: 10_000 });
  c.start_();
  const pending = c.publish_('t/x', bytes('x'), 1);
  await waitFor('timeout', () => reasons.length === 1);
  assert.equal(reasons[0], 'no CONNACK within 200 ms');
  c.stop_();
  await assert.rejects(pending, /mqtt client stopped/);
  await assert.rejects(c.publish_('t/x', bytes('x'), 1), /mqtt client stopped/);
  await b.close();
});

test('backoff: exponential, capped, with jitter between half and all of the step', () => {
  const timers: { fn: () => void; ms: number }[] = [];
  const fake = {
    monotonic: () => 0,
    now: () => 0,
    setTimeout: (fn: () => void, ms: number): TimerHandle => { timers.push({ fn, ms }); return { id: timers.length }; },
    setInterval: (): TimerHandle => ({ id: 0 }),
    clearTimer: () => undefined,
  } as unknown as Host;
  const failing = (): ByteStream => { throw new Error('ECONNREFUSED'); };
  for (const [rnd, expected] of [[0, [50, 100, 200, 400, 500, 500]], [0.999999, [100, 200, 400, 800, 1000, 1000]]] as const) {
    timers.length = 0;
    const c = mqttClient({ host_: fake, counters_: new Counters(), options_: { clientId_: 'b', connect_: failing, backoffMinMs_: 100, backoffMaxMs_: 1000, random_: () => rnd } });
    const reasons: string[] = [];
    c.onDown_ = (r) => { reasons.push(r); };
    c.start_();
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      const t = timers.shift()!;
      delays.push(t.ms);
      t.fn();
    }
    assert.deepEqual(delays, expected);
    assert.equal(reasons[0], 'cannot open stream: ECONNREFUSED');
    c.stop_();
  }
});

test('QoS 0: refused while not connected, written once connected (no packet id, no PUBACK awaited), refused after stop', async () => {
  const b = await fakeBroker((s, p) => {
    if (p.cmd === 'connect') s.write(connack);
  });
  const { c, counters } = client(b.port);
  await assert.rejects(c.publish_('t/x', bytes('early')), /mqtt not connected/);
  c.start_();
  await waitFor('connected', () => c.connected);
  await c.publish_('t/x', bytes('q0'), 0, true);
  await waitFor('publish at the broker', () => b.got[0].some((p) => p.cmd === 'publish'));
  const pub = b.got[0].find((p) => p.cmd === 'publish');
  assert.ok(pub && pub.cmd === 'publish');
  assert.deepEqual([pub.qos, pub.retain, pub.messageId, pub.topic, [...pub.payload]], [0, true, undefined, 't/x', [...bytes('q0')]]);
  assert.equal(counters.get('mqtt_acked'), 0, 'QoS 0 waits for no PUBACK');
  await c.stop_(100);
  await assert.rejects(c.publish_('t/x', bytes('late')), /mqtt client stopped/);
  await b.close();
});
