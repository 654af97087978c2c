// mqtt.verify_hostname against a real Mosquitto over openssl s_client: the broker's certificate
// is signed by our CA but names only broker.invalid, and we connect by `localhost`. With the check
// on the connection is refused; with it off it goes through; a CA that did not sign the
// certificate is refused either way (the chain is still verified).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createNodeHost } from '../../../src/host/node';
import { Counters } from '../../../src/counters';
import { ShippingSink, type ShippingConfig } from '../../../src/agent/shipping';
import { startMosquitto, type Mosquitto } from '../../support/mosquitto';
import { fakeDns } from '../../pipeline/factories';
import { runQjsAsync, fixturePath } from '../../support/engines';

let broker: Mosquitto;

function run(argv: string[], cwd: string): void {
  const r = spawnSync(argv[0], argv.slice(1), { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.stderr}`);
}

before(async () => {
  broker = await startMosquitto({ tls: true });
  // Re-issue the server certificate from the same CA for another name only, and restart.
  const d = broker.dir;
  writeFileSync(join(d, 'elsewhere.ext'), 'subjectAltName=DNS:broker.invalid\n');
  run(['openssl', 'req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'server.key', '-out', 'elsewhere.csr', '-subj', '/CN=broker.invalid'], d);
  run(['openssl', 'x509', '-req', '-in', 'elsewhere.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'elsewhere.ext'], d);
  for (const f of ['server.key', 'server.pem']) chmodSync(join(d, f), 0o644);
  await broker.restart();
});
after(async () => {
  await broker?.cleanup();
});

async function shipOne(mqtt: Partial<ShippingConfig['mqtt']>): Promise<{ error: string | null; spooled: number; connects: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'nl-tls-name-'));
  const counters = new Counters();
  const sink = new ShippingSink({
    host_: createNodeHost(), counters_: counters, capabilities_: [], maxAttempts_: 1,
    config_: {
      agent: { sensor_id: 'tls-name' },
      mqtt: { url: `mqtts://localhost:${broker.tlsPort}`, keepalive: 10, inflight: 4, reconnect_min: 0.1, reconnect_max: 0.1, ca_file: broker.caFile, ...mqtt },
      batch: { max_events: 1, max_bytes: 1024, max_age: 5 }, spool: { dir, max_bytes: 1 << 20 },
    },
  });
  let error: string | null = null;
  try {
    sink.start_();
    sink.emit(fakeDns({ ts: 1700000000 }));
    await sink.idle_().catch((e: Error) => { error = e.message; });
    return { error, spooled: sink.spool_.count_(), connects: counters.get('mqtt_connects') };
  } finally {
    await sink.stop_(1000);
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a CA-signed certificate for another name: refused with verify_hostname 1, accepted with 0; 0 still refuses an unrelated CA', async () => {
  const on = await shipOne({ verify_hostname: true });
  assert.match(on.error ?? '', /openssl exited with code 1.*hostname mismatch/i);
  assert.equal(on.connects, 0);
  assert.equal(on.spooled, 1, 'the batch stays spooled');

  const off = await shipOne({ verify_hostname: false });
  assert.equal(off.error, null);
  assert.equal(off.connects, 1);
  assert.equal(off.spooled, 0, 'the batch acknowledged');

  const otherCa = await shipOne({ verify_hostname: false, ca_file: broker.otherCaFile });
  assert.match(otherCa.error ?? '', /openssl exited with code 1.*(verify|certificate)/i);
  assert.equal(otherCa.connects, 0);
});

// The same through the agent bundle under qjs: `replay --mqtt mqtts://` with the option from --config.
test('under qjs: replay --mqtt mqtts:// honours mqtt.verify_hostname from --config', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nl-tls-name-'));
  try {
    const replay = (verify: string): Promise<{ code: number | null; stderr: string }> => {
      const cfg = join(dir, `netledger-${verify}`);
      writeFileSync(cfg, `config mqtt 'mqtt'\n\toption verify_hostname '${verify}'\n`);
      return runQjsAsync(['replay', '--dnsmasq', fixturePath('lab-basic/dnsmasq-extra.log'), '--year', '2026', '--config', cfg,
        '--mqtt', `mqtts://localhost:${broker.tlsPort}`, '--ca-file', broker.caFile, '--attempts', '1', '--spool-dir', join(dir, `spool-${verify}`)]);
    };
    const on = await replay('1');
    assert.equal(on.code, 1, on.stderr);
    assert.match(on.stderr, /hostname mismatch/i);
    const off = await replay('0');
    assert.equal(off.code, 0, off.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
