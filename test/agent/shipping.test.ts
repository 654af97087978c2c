// The shipping sink's wiring (Node only): what reaches the TLS helper's argv from the options
// the agent builds out of the UCI config (mqtt.ca_file, cert_file, key_file).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createNodeHost } from '../../src/host/node';
import { Counters } from '../../src/counters';
import { ShippingSink, type ShippingOptions } from '../../src/agent/shipping';

function argvOf(url: string, tls: Partial<ShippingOptions>): string[] {
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
    host_: host, counters_: counters, sensor_: 'r1', capabilities_: [],
    options_: {
      url_: url, keepaliveSec_: 60, inflight_: 2, reconnectMinMs_: 10, reconnectMaxMs_: 10, maxAttempts_: 1,
      batch_: { maxEvents: 10, maxBytes: 1000, maxAgeSec: 5 }, spool_: { dir, capBytes: 1 << 20 }, ...tls,
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
  const argv = argvOf('mqtts://broker.example:8884', { caFile_: '/etc/ca.pem', certFile_: '/etc/c.pem', keyFile_: '/etc/k.pem' });
  assert.deepEqual(argv, ['openssl', 's_client', '-quiet', '-verify_return_error', '-CAfile', '/etc/ca.pem',
    '-cert', '/etc/c.pem', '-key', '/etc/k.pem', '-verify_hostname', 'broker.example', '-servername', 'broker.example',
    '-connect', 'broker.example:8884']);
});

test('mqtts without a client certificate: the system CA bundle by default, no -cert/-key', () => {
  const argv = argvOf('mqtts://broker.example', { caFile_: '', certFile_: '', keyFile_: '' });
  assert.deepEqual(argv.slice(4, 7), ['-CAfile', '/etc/ssl/certs/ca-certificates.crt', '-verify_hostname']);
});

test('mqtt://: nc to the host and port', () => {
  assert.deepEqual(argvOf('mqtt://10.0.0.1:1884', {}), ['nc', '10.0.0.1', '1884']);
});
