// The shipping sink's wiring (Node only): what reaches the TLS helper's argv from the options
// the agent builds out of the UCI config (mqtt.ca_file, cert_file, key_file, verify_hostname),
// and what mqtt.client_id and mqtt.qos make of the MQTT packets the sink writes to its helper.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createNodeHost } from '../../src/host/node';
import { Counters } from '../../src/counters';
import { ShippingSink, type ShippingConfig } from '../../src/agent/shipping';
import type { Child } from '../../src/host/types';
import { decode, encode, type ConnectPacket, type Packet, type PublishPacket } from '../../src/transport/mqtt/packet';
import { fakeDns } from '../pipeline/factories';

function argvOf(url: string, tls: Partial<ShippingConfig['mqtt']>): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'nl-shipping-'));
  const argvs: string[][] = [];
  const host = {
    ...createNodeHost(),
    spawn: (argv: string[]) => {
      argvs.push(argv);
      throw new Error('no child in this test');
    },
  };
  const counters = new Counters();
  const sink = new ShippingSink({
    host_: host, counters_: counters, capabilities_: [], maxAttempts_: 1,
    config_: {
      agent: { sensor_id: 'r1' },
      mqtt: { url, keepalive: 60, inflight: 2, reconnect_min: 0.01, reconnect_max: 0.01, ...tls },
      batch: { max_events: 10, max_bytes: 1000, max_age: 5 }, spool: { dir, max_bytes: 1 << 20 },
    },
  });
  try {
    sink.start_();
    assert.equal(counters.get('mqtt_connect_attempts'), 1);
    return argvs[0];
  } finally {
    void sink.stop_(0);
    rmSync(dir, { recursive: true, force: true });
  }
}

test('mqtts: the CA file, client certificate and key reach openssl s_client', () => {
  const argv = argvOf('mqtts://broker.example:8884', { ca_file: '/etc/ca.pem', cert_file: '/etc/c.pem', key_file: '/etc/k.pem' });
  assert.deepEqual(argv, ['openssl', 's_client', '-quiet', '-verify_return_error', '-CAfile', '/etc/ca.pem',
    '-cert', '/etc/c.pem', '-key', '/etc/k.pem', '-verify_hostname', 'broker.example', '-servername', 'broker.example',
    '-connect', 'broker.example:8884']);
});

test('mqtts without a client certificate: the system CA bundle by default, no -cert/-key', () => {
  const argv = argvOf('mqtts://broker.example', { ca_file: '', cert_file: '', key_file: '' });
  assert.deepEqual(argv.slice(4, 7), ['-CAfile', '/etc/ssl/certs/ca-certificates.crt', '-verify_hostname']);
});

test('mqtt://: nc to the host and port', () => {
  assert.deepEqual(argvOf('mqtt://10.0.0.1:1884', {}), ['nc', '10.0.0.1', '1884']);
});

test('mqtts with verify_hostname 0: no -verify_hostname, the chain still verified against the CA file', () => {
  const argv = argvOf('mqtts://broker.example:8884', { ca_file: '/etc/ca.pem', verify_hostname: false });
  assert.deepEqual(argv, ['openssl', 's_client', '-quiet', '-verify_return_error', '-CAfile', '/etc/ca.pem',
    '-servername', 'broker.example', '-connect', 'broker.example:8884']);
  assert.ok(argvOf('mqtts://broker.example', { verify_hostname: true }).includes('-verify_hostname'));
});

/** A sink whose helper is a fake child: the packets it was given, and a way to answer as the broker. */
async function sinkOver(mqtt: Partial<ShippingConfig['mqtt']>) {
  const dir = mkdtempSync(join(tmpdir(), 'nl-shipping-'));
  const sent: Packet[] = [];
  let toSink: (b: Uint8Array) => void = () => {};
  const child: Child = {
    pid: 1, onLine: () => {}, onStderrLine: () => {}, onExit: () => {}, closeStdin: () => {}, kill: () => {},
    onData: (cb) => { toSink = cb; },
    write: (b) => { sent.push(decode(b as Uint8Array).value); return 0; },
  };
  const host = { ...createNodeHost(), spawn: () => child };
  const sink = new ShippingSink({
    host_: host, counters_: new Counters(), capabilities_: [],
    config_: {
      agent: { sensor_id: 'r1' },
      mqtt: { url: 'mqtt://192.0.2.1', keepalive: 60, inflight: 4, reconnect_min: 1, reconnect_max: 1, ...mqtt },
      batch: { max_events: 1, max_bytes: 1024, max_age: 5 }, spool: { dir, max_bytes: 1 << 20 },
    },
  });
  sink.start_();
  return {
    sink, sent, dir,
    answer: (p: Packet) => toSink(encode(p)),
    batches: () => sent.filter((p): p is PublishPacket => p.cmd === 'publish' && !p.topic.endsWith('/status')),
    end: async () => {
      await sink.stop_(0);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

test('mqtt.client_id: the CONNECT carries it; empty: the sensor id', { timeout: 10_000 }, async () => {
  for (const [id, want] of [['lab-sensor-7', 'lab-sensor-7'], ['', 'r1']]) {
    const s = await sinkOver({ client_id: id });
    assert.equal((s.sent[0] as ConnectPacket).clientId_, want);
    await s.end();
  }
});

test('mqtt.qos 0: batches are published at QoS 0 and leave the spool once written, no PUBACK needed (1: on PUBACK)', { timeout: 10_000 }, async () => {
  const s = await sinkOver({ qos: 0 });
  s.sink.emit(fakeDns({ ts: 1700000000 + 1 }));
  s.sink.emit(fakeDns({ ts: 1700000000 + 2 }));
  assert.equal(s.sink.spool_.count_(), 2, 'spooled while not connected');
  s.answer({ cmd: 'connack', sessionPresent_: false, returnCode_: 0 });
  await s.sink.idle_();
  assert.equal(s.sink.spool_.count_(), 0);
  assert.deepEqual(s.batches().map((p) => [p.topic, p.qos]), [['netledger/v1/r1/dns', 0], ['netledger/v1/r1/dns', 0]]);
  await s.end();
  // The default, QoS 1: the batch waits in the spool for its PUBACK.
  const q1 = await sinkOver({});
  q1.sink.emit(fakeDns({ ts: 1700000001 }));
  q1.answer({ cmd: 'connack', sessionPresent_: false, returnCode_: 0 });
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(q1.batches().map((p) => p.qos), [1]);
  assert.equal(q1.sink.spool_.count_(), 1);
  q1.answer({ cmd: 'puback', messageId: q1.batches()[0].messageId! });
  await q1.sink.idle_();
  assert.equal(q1.sink.spool_.count_(), 0);
  await q1.end();
});
