// `netledger replay --mqtt` with a config of mqtt.qos 0 and a client_id, under qjs through a real
// Mosquitto: exit 0 once every batch is written, every event reaches a subscriber (decoded back to
// the same NDJSON as a direct replay), the spool is left empty, and the broker saw our client id.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { runQjs, runQjsAsync, fixturePath } from '../support/engines';
import { startMosquitto } from '../support/mosquitto';

const FX = (n: string): string => fixturePath(`lab-basic/${n}`);
const ARGS = [
  'replay', '--dnsmasq', FX('dnsmasq-extra.log'), '--conntrack', FX('conntrack-events.txt'),
  '--leases', FX('dhcp.leases'), '--sensor', 'labq0', '--year', '2026',
];

test('replay --mqtt with mqtt.qos 0: every event delivered, the spool left empty, exit 0', { timeout: 180_000 }, async () => {
  const broker = await startMosquitto({ persistence: false });
  const dir = mkdtempSync(join(tmpdir(), 'nl-ship-q0-'));
  const config = join(dir, 'netledger');
  // small batches: many QoS 0 publishes
  writeFileSync(config, "config mqtt 'mqtt'\n\toption qos '0'\n\toption client_id 'replay-qos0'\nconfig batch 'batch'\n\toption max_events '3'\n");
  const sub = spawn('mosquitto_sub', ['-h', broker.host, '-p', String(broker.port), '-t', 'netledger/v1/labq0/+', '-q', '1', '-F', '%t %q %x']);
  try {
    let got = '';
    sub.stdout.on('data', (d) => (got += d));
    await new Promise((r) => setTimeout(r, 300));
    const spoolDir = join(dir, 'spool');
    const r = await runQjsAsync([...ARGS, '--config', config, '--mqtt', `mqtt://${broker.host}:${broker.port}`, '--spool-dir', spoolDir]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(spoolDir), [], 'nothing left in the spool');
    await new Promise((res) => setTimeout(res, 500));
    const lines = got.split('\n').filter((l) => l && !l.includes('/status '));
    assert.ok(lines.length > 5, `batches: ${lines.length}`);
    assert.ok(lines.every((l) => l.split(' ')[1] === '0'), 'batches published at QoS 0');
    const hex = lines.map((l) => l.split(' ')[2]).join('\n') + '\n';
    const decoded = runQjs(['decode', '--hex'], { input: hex });
    assert.equal(decoded.code, 0, decoded.stderr);
    const direct = runQjs([...ARGS, '--config', config]);
    assert.equal(direct.code, 0, direct.stderr);
    const sort = (s: string): string[] => s.trim().split('\n').sort();
    assert.deepEqual(sort(decoded.stdout), sort(direct.stdout), 'every event delivered');
    assert.match(got, /netledger\/v1\/labq0\/status 1 /, 'the status stays QoS 1');
    assert.match(broker.log(), /New client connected from \S+ as replay-qos0 /, 'the configured client id');
  } finally {
    sub.kill();
    await broker.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});
