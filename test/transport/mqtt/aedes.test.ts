// MqttClient and Shipper against an in-process broker (aedes), each connection a duplex pair
// handed to aedes.handle(): a second, independent broker implementation besides Mosquitto.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { duplexPair, type Duplex } from 'node:stream';
import { Aedes } from 'aedes';
import { createNodeHost } from '../../../src/host/node';
import { Counters } from '../../../src/counters';
import { mqttClient } from '../../../src/transport/mqtt/client';
import { shipper } from '../../../src/transport/shipper';
import { duplexStream, MemSpool, waitFor, bytes } from '../helpers';

const host = createNodeHost();

async function broker(password = 'pw') {
  const aedes = await Aedes.createBroker({
    authenticate: (_client, username, pass, done) => {
      if (username === 'sensor' && pass?.toString() === password) return done(null, true);
      const e = Object.assign(new Error('bad credentials'), { returnCode: 4 });
      done(e as never, false);
    },
  });
  const published: { topic: string; payload: string; retain: boolean }[] = [];
  aedes.on('publish', (p, client) => {
    if (client) published.push({ topic: p.topic, payload: p.payload.toString(), retain: p.retain });
  });
  const serverSides: Duplex[] = [];
  const connect = () => {
    const [mine, theirs] = duplexPair();
    serverSides.push(theirs);
    aedes.handle(theirs);
    return duplexStream(mine);
  };
  return { aedes, published, connect, serverSides, close: () => new Promise<void>((r) => aedes.close(() => r())) };
}

test('aedes: shipper publishes, gets PUBACKs, retained online status; will on abrupt death', async () => {
  const b = await broker();
  const spool = new MemSpool();
  for (let i = 0; i < 25; i++) spool.put('pdns', bytes(`b${i}`));
  const s = shipper({
    host_: host, counters_: new Counters(), spool_: spool,
    status_: { sensor: 'ae-1', version: '0.1.0', started: 1, capabilities: ['pdns'] },
    connect_: b.connect,
    mqtt_: { username_: 'sensor', password_: 'pw', backoffMinMs_: 60_000 },
    window_: 5,
  });
  s.start_();
  await s.idle_();
  assert.equal(spool.acked.length, 25);
  // aedes emits 'publish' after its own persistence step, which may come after the PUBACK.
  await waitFor('25 publishes seen by aedes', () => b.published.filter((p) => p.topic === 'netledger/v1/ae-1/pdns').length === 25);
  assert.deepEqual(b.published.filter((p) => p.topic === 'netledger/v1/ae-1/pdns').map((p) => p.payload), Array.from({ length: 25 }, (_, i) => `b${i}`));
  const online = b.published.find((p) => p.topic === 'netledger/v1/ae-1/status');
  assert.ok(online && online.retain && JSON.parse(online.payload).state === 'online');
  // Abrupt death of the link (no DISCONNECT): aedes publishes the will.
  const wills: string[] = [];
  b.aedes.on('publish', (p) => { if (p.topic === 'netledger/v1/ae-1/status') wills.push(p.payload.toString()); });
  b.serverSides[0].destroy();
  await waitFor('will', () => wills.some((w) => JSON.parse(w).state === 'offline'));
  await s.stop_(100);
  await b.close();
});

test('aedes: bad password is a clear CONNACK error', async () => {
  const b = await broker('right');
  const c = mqttClient({ host_: host, counters_: new Counters(), options_: { clientId_: 'ae-2', connect_: b.connect, username_: 'sensor', password_: 'wrong', maxAttempts_: 1 } });
  const reasons: string[] = [];
  c.onDown_ = (r) => { reasons.push(r); };
  const fatal = new Promise<Error>((r) => { c.onFatal_ = r; });
  c.start_();
  await fatal;
  assert.equal(reasons[0], 'connection refused: bad user name or password');
  await b.close();
});

test('aedes: reconnect after the link drops; QoS 1 publishes made while down are delivered', async () => {
  const b = await broker();
  const counters = new Counters();
  const c = mqttClient({ host_: host, counters_: counters, options_: { clientId_: 'ae-3', connect_: b.connect, username_: 'sensor', password_: 'pw', backoffMinMs_: 20, backoffMaxMs_: 50 } });
  c.start_();
  await waitFor('connected', () => c.connected);
  // The broker ends the link (EOF on our side), as on a broker restart.
  b.serverSides[0].end();
  const sent = [c.publish_('netledger/v1/ae-3/dns', bytes('x1'), 1), c.publish_('netledger/v1/ae-3/dns', bytes('x2'), 1)];
  await Promise.all(sent);
  assert.ok(counters.get('mqtt_connects') >= 2);
  await waitFor('publishes seen by aedes', () => b.published.filter((p) => p.topic === 'netledger/v1/ae-3/dns').length === 2);
  assert.deepEqual(b.published.filter((p) => p.topic === 'netledger/v1/ae-3/dns').map((p) => p.payload), ['x1', 'x2']);
  c.stop_();
  await b.close();
});
