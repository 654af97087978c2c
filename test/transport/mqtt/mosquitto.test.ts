// The real path against a real Mosquitto: the shipper and client over child-process streams
// (busybox nc for mqtt://, openssl s_client for mqtts://) spawned by the Node host. An MQTT.js
// subscriber is the independent witness of what the broker published.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { createNodeHost } from '../../../src/host/node';
import { Counters } from '../../../src/counters';
import { mqttClient } from '../../../src/transport/mqtt/client';
import { shipper, type Shipper, type ShipperDeps } from '../../../src/transport/shipper';
import { brokerStreamFactory, childStream, streamArgv } from '../../../src/transport/stream';
import { parseBrokerUrl } from '../../../src/transport/url';
import { startMosquitto, type Mosquitto } from '../../support/mosquitto';
import { MemSpool, waitFor, bytes } from '../helpers';

const NC = ['busybox', 'nc'];
const host = createNodeHost();
let broker: Mosquitto;
const USERS = { sensor: 'right-password', watcher: 'watch' };

before(async () => {
  broker = await startMosquitto({ users: USERS, tls: true });
});
after(async () => {
  await broker?.cleanup();
});

interface Seen { topic: string; payload: string; retain: boolean; qos: number }

async function watch(filter: string): Promise<{ seen: Seen[]; end: () => Promise<void> }> {
  const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, { username: 'watcher', password: 'watch', protocolVersion: 4, reconnectPeriod: 200, clientId: `w${Math.random()}` });
  const seen: Seen[] = [];
  c.on('message', (topic, payload, packet) => seen.push({ topic, payload: payload.toString(), retain: packet.retain, qos: packet.qos }));
  await c.subscribeAsync(filter, { qos: 1 });
  return { seen, end: () => c.endAsync(true) };
}

function shipperFor(sensor: string, spool: MemSpool, counters = new Counters(), extra: Partial<ShipperDeps> = {}): Shipper {
  const url = parseBrokerUrl(`mqtt://sensor:right-password@127.0.0.1:${broker.port}`);
  return shipper({
    host_: host,
    counters_: counters,
    spool_: spool,
    status_: { sensor, version: '0.1.0', started: 1700000000, capabilities: ['dns', 'flow'] },
    connect_: brokerStreamFactory(host, url, { nc_: NC }),
    mqtt_: { username_: url.username, password_: url.password, keepaliveSec_: 5, backoffMinMs_: 100, backoffMaxMs_: 500 },
    window_: 4,
    ...extra,
  });
}

test('publish/ack through busybox nc: every batch acknowledged, in order, status retained online', async () => {
  const w = await watch('netledger/v1/s-pub/#');
  const spool = new MemSpool();
  for (let i = 0; i < 30; i++) spool.put(i % 3 === 0 ? 'flow' : 'dns', bytes(`batch-${i}`));
  const counters = new Counters();
  const s = shipperFor('s-pub', spool, counters);
  s.start_();
  await s.idle_();
  assert.equal(spool.entries.length, 0);
  assert.equal(spool.acked.length, 30);
  assert.ok(s.drained_());
  await waitFor('30 batches at the witness', () => w.seen.filter((m) => m.topic.endsWith('/dns') || m.topic.endsWith('/flow')).length === 30);
  const dns = w.seen.filter((m) => m.topic === 'netledger/v1/s-pub/dns').map((m) => m.payload);
  assert.deepEqual(dns, Array.from({ length: 30 }, (_, i) => i).filter((i) => i % 3 !== 0).map((i) => `batch-${i}`), 'order kept within a stream');
  const status = w.seen.find((m) => m.topic === 'netledger/v1/s-pub/status');
  assert.ok(status, 'status published');
  assert.equal(JSON.parse(status.payload).state, 'online');
  assert.equal(counters.get('ship_batches'), 30);
  await s.stop_();
  await waitFor('offline status on clean stop', () => w.seen.some((m) => m.topic.endsWith('/status') && JSON.parse(m.payload).state === 'offline'));
  await w.end();
  // A late subscriber gets the retained status.
  const late = await watch('netledger/v1/s-pub/status');
  await waitFor('retained status', () => late.seen.length > 0);
  assert.equal(late.seen[0].retain, true);
  assert.equal(JSON.parse(late.seen[0].payload).state, 'offline');
  await late.end();
});

test('qos 0 through busybox nc: every batch delivered at QoS 0 and gone from the spool once written; held while the broker is down', async () => {
  const w = await watch('netledger/v1/s-qos0/#');
  const spool = new MemSpool();
  for (let i = 0; i < 30; i++) spool.put(i % 3 === 0 ? 'flow' : 'dns', bytes(`q0-${i}`));
  const counters = new Counters();
  const s = shipperFor('s-qos0', spool, counters, { qos_: 0 });
  s.start_();
  await s.idle_();
  assert.equal(spool.entries.length, 0);
  await waitFor('30 batches at the witness', () => w.seen.filter((m) => !m.topic.endsWith('/status')).length === 30);
  const batches = w.seen.filter((m) => !m.topic.endsWith('/status'));
  assert.deepEqual(batches.filter((m) => m.topic.endsWith('/dns')).map((m) => m.payload),
    Array.from({ length: 30 }, (_, i) => i).filter((i) => i % 3 !== 0).map((i) => `q0-${i}`), 'order kept within a stream');
  assert.ok(batches.every((m) => m.qos === 0), 'published at QoS 0');
  await waitFor('the online status acknowledged', () => counters.get('mqtt_acked') >= 1);
  assert.equal(counters.get('mqtt_acked'), 1, 'only the online status was acknowledged');
  await waitFor('online status', () => w.seen.some((m) => m.topic.endsWith('/status')));
  assert.equal(w.seen.find((m) => m.topic.endsWith('/status'))!.qos, 1, 'status stays QoS 1');
  await w.end();
  // Broker down: once the client knows (a batch written before it does is lost: that is QoS 0),
  // batches wait in the spool while it retries; they go once the broker is back.
  await broker.stop();
  try {
    await waitFor('the link seen down', () => !s.connected_);
    for (let i = 0; i < 5; i++) spool.put('dns', bytes(`q0-down-${i}`));
    s.kick_();
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(spool.entries.length, 5, 'nothing leaves the spool while the broker is down');
  } finally {
    await broker.restart();
  }
  try {
    await s.idle_();
    assert.equal(spool.entries.length, 0);
    assert.equal(counters.get('ship_batches'), 35);
  } finally {
    await s.stop_();
  }
});

test('will on abrupt death: SIGKILL of the nc child makes the broker publish offline', async () => {
  const w = await watch('netledger/v1/s-will/status');
  let pid = 0;
  const url = parseBrokerUrl(`mqtt://127.0.0.1:${broker.port}`);
  const argv = streamArgv(url, { nc_: NC });
  // the nc child's pid, as the host spawns it
  const spying: typeof host = { ...host, spawn: (a, o) => { const c = host.spawn(a, o); pid = c.pid; return c; } };
  const s = shipper({
    host_: host, counters_: new Counters(), spool_: new MemSpool(),
    status_: { sensor: 's-will', version: '0.1.0', started: 1, capabilities: [] },
    connect_: () => childStream(spying, argv),
    mqtt_: { username_: 'sensor', password_: 'right-password', keepaliveSec_: 5, backoffMinMs_: 60_000 },
  });
  s.start_();
  await waitFor('online', () => w.seen.some((m) => JSON.parse(m.payload).state === 'online'));
  process.kill(pid, 'SIGKILL');
  await waitFor('will published', () => w.seen.some((m) => JSON.parse(m.payload).state === 'offline'));
  const will = JSON.parse(w.seen.find((m) => JSON.parse(m.payload).state === 'offline')!.payload);
  assert.equal(will.type, 'status');
  assert.equal(will.sensor, 's-will');
  await s.stop_(100);
  await w.end();
});

test('reconnect after a broker restart: the in-flight batches are re-sent and all are acknowledged', async () => {
  const spool = new MemSpool();
  const counters = new Counters();
  const s = shipperFor('s-restart', spool, counters);
  s.start_();
  for (let i = 0; i < 10; i++) spool.put('dns', bytes(`before-${i}`));
  s.kick_();
  await s.idle_();
  // Broker down: batches wait in the spool while the client retries with backoff.
  await broker.stop();
  for (let i = 0; i < 10; i++) spool.put('dns', bytes(`after-${i}`));
  s.kick_();
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(spool.entries.length, 10, 'nothing acknowledged while the broker is down');
  assert.ok(!s.connected_);
  await broker.restart();
  await s.idle_();
  assert.equal(spool.entries.length, 0);
  assert.ok(counters.get('mqtt_connects') >= 2, `connects ${counters.get('mqtt_connects')}`);
  assert.ok(counters.get('mqtt_disconnects') >= 1);
  await s.stop_();
});

test('bad password: CONNACK refusal becomes a clear error, and maxAttempts makes it fatal', async () => {
  const url = parseBrokerUrl(`mqtt://127.0.0.1:${broker.port}`);
  const c = mqttClient({
    host_: host, counters_: new Counters(),
    options_: { clientId_: 's-badpw', connect_: brokerStreamFactory(host, url, { nc_: NC }), username_: 'sensor', password_: 'wrong', maxAttempts_: 2, backoffMinMs_: 50 },
  });
  const reasons: string[] = [];
  c.onDown_ = (r) => { reasons.push(r); };
  const fatal = new Promise<Error>((resolve) => { c.onFatal_ = resolve; });
  c.start_();
  const e = await fatal;
  // Mosquitto 2 answers a wrong password with code 5: the hint is what tells the user why
  assert.match(reasons[0], /^connection refused: (not authorized \(check user name and password\)|bad user name or password)/);
  assert.match(e.message, /giving up after 2 attempts: connection refused/);
});

test('TLS through openssl s_client: publish/ack with CA verification and a client certificate', async () => {
  const url = parseBrokerUrl(`mqtts://sensor:right-password@localhost:${broker.tlsPort}`);
  const spool = new MemSpool();
  spool.put('alert', bytes('{"kind":"ioc_domain"}'));
  const s = shipper({
    host_: host, counters_: new Counters(), spool_: spool,
    status_: { sensor: 's-tls', version: '0.1.0', started: 1, capabilities: [] },
    connect_: brokerStreamFactory(host, url, { tls_: { ca_file: broker.caFile, cert_file: broker.clientCert, key_file: broker.clientKey } }),
    mqtt_: { username_: url.username, password_: url.password, keepaliveSec_: 5 },
  });
  s.start_();
  await s.idle_();
  assert.equal(spool.entries.length, 0);
  await s.stop_();
});

for (const [name, tls, expect] of [
  ['a CA that did not sign the server', { caFile: '', serverName: 'localhost' }, /openssl exited with code 1.*(verify|certificate)/i],
  ['a wrong host name', { serverName: 'not-the-broker.example' }, /openssl exited with code 1/],
] as const) {
  test(`TLS refuses ${name}: openssl exits, the reason says why, no CONNACK`, async () => {
    const url = parseBrokerUrl(`mqtts://127.0.0.1:${broker.tlsPort}`);
    const counters = new Counters();
    const c = mqttClient({
      host_: host, counters_: counters,
      options_: {
        clientId_: 's-badtls', username_: 'sensor', password_: 'right-password', maxAttempts_: 1,
        connect_: brokerStreamFactory(host, url, { tls_: { ca_file: tls.caFile === '' ? broker.otherCaFile : broker.caFile, serverName_: tls.serverName } }),
      },
    });
    const reasons: string[] = [];
    c.onDown_ = (r) => { reasons.push(r); };
    const fatal = new Promise<Error>((resolve) => { c.onFatal_ = resolve; });
    c.start_();
    await fatal;
    assert.match(reasons[0], expect);
    assert.equal(counters.get('mqtt_connects'), 0);
  });
}

test('commands: validated JSON objects reach onCommand, bad ones are counted', async () => {
  const got: [string, unknown, boolean][] = [];
  const counters = new Counters();
  const s = shipperFor('s-cmd', new MemSpool(), counters, {
    maxCommandBytes_: 100,
    onCommand_: (name, payload, meta) => got.push([name, payload, meta.broadcast_]),
  });
  s.start_();
  await waitFor('connected', () => s.connected_);
  await new Promise((r) => setTimeout(r, 200)); // SUBACK
  const pub = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, { username: 'watcher', password: 'watch', protocolVersion: 4 });
  await pub.publishAsync('netledger/v1/s-cmd/cmd/ioc', '{"domains":["evil.test"]}', { qos: 1 });
  await pub.publishAsync('netledger/v1/all/cmd/ioc', '{"ips":[]}', { qos: 0 });
  await pub.publishAsync('netledger/v1/s-cmd/cmd/ioc', 'not json', { qos: 1 });
  await pub.publishAsync('netledger/v1/s-cmd/cmd/ioc', '[1,2]', { qos: 1 });
  await pub.publishAsync('netledger/v1/s-cmd/cmd/ioc', JSON.stringify({ big: 'x'.repeat(200) }), { qos: 1 });
  await pub.publishAsync('netledger/v1/s-cmd/cmd/a/b', '{}', { qos: 1 });
  await waitFor('drops counted', () => counters.dropped('cmd_bad_topic') === 1 && counters.dropped('cmd_too_large') === 1);
  assert.deepEqual(got, [['ioc', { domains: ['evil.test'] }, false], ['ioc', { ips: [] }, true]]);
  assert.equal(counters.dropped('cmd_bad_json'), 1);
  assert.equal(counters.dropped('cmd_not_object'), 1);
  await pub.endAsync();
  await s.stop_();
});
