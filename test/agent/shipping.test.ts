// The shipping sink's wiring (Node only): what reaches the TLS helper's argv from the options
// the agent builds out of the UCI config (mqtt.ca_file, cert_file, key_file).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createNodeHost } from '../../src/host/node';
import { Counters } from '../../src/counters';
import { ShippingSink, type ShippingConfig } from '../../src/agent/shipping';

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
