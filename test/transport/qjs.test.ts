// The shipping path under real qjs: the QuickJS host spawns busybox nc, the client speaks MQTT
// through its pipes to a real Mosquitto. Publish/ack, and reconnect across a broker restart.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { QJS, ROOT } from '../support/engines';
import { startMosquitto, type Mosquitto } from '../support/mosquitto';

let broker: Mosquitto;
let dir: string;
let bundle: string;

export async function bundleHarness(outDir: string): Promise<string> {
  const outfile = join(outDir, 'ship-harness.js');
  await build({
    entryPoints: [join(ROOT, 'test/transport/qjs/ship-harness.ts')], outfile, bundle: true, format: 'esm',
    platform: 'neutral', target: 'es2020', external: ['std', 'os'], logLevel: 'error', mainFields: ['module', 'main'],
  });
  return outfile;
}

before(async () => {
  broker = await startMosquitto();
  dir = mkdtempSync(join(tmpdir(), 'nl-qjs-ship-'));
  bundle = await bundleHarness(dir);
});
after(async () => {
  await broker?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

function runHarness(args: string[], onLine: (l: string) => void): Promise<{ code: number | null; stderr: string }> {
  // -m: the bundle may begin with esbuild helpers before its imports, which defeats qjs's
  // module autodetection.
  const p = spawn(QJS, ['-m', bundle, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let buf = '';
  p.stdout.on('data', (c: Buffer) => {
    buf += c.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) { onLine(buf.slice(0, i)); buf = buf.slice(i + 1); }
  });
  p.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
  const timer = setTimeout(() => p.kill('SIGKILL'), 60_000);
  return new Promise((resolve) => p.on('close', (code) => { clearTimeout(timer); resolve({ code, stderr }); }));
}

test('qjs: 200 batches through busybox nc into Mosquitto, all acknowledged', async () => {
  const lines: string[] = [];
  const r = await runHarness([String(broker.port), '200', '700', 'once'], (l) => lines.push(l));
  assert.equal(r.code, 0, r.stderr);
  const done = lines.find((l) => l.startsWith('DONE '));
  assert.ok(done, `no DONE: ${lines.join('\n')}\n${r.stderr}`);
  const c = JSON.parse(done.slice(5));
  assert.equal(c.ship_batches, 200);
  assert.equal(c.mqtt_acked, 201 + 1, 'batches + online + offline status');
});

test('qjs: reconnect across a broker restart; batches spooled meanwhile are delivered', async () => {
  const lines: string[] = [];
  const r = await runHarness([String(broker.port), '20', '300', 'restart'], (l) => {
    lines.push(l);
    if (l === 'PHASE1') void broker.restart();
  });
  assert.equal(r.code, 0, r.stderr);
  const done = lines.find((l) => l.startsWith('DONE '));
  assert.ok(done, `no DONE: ${lines.join('\n')}\n${r.stderr}`);
  const c = JSON.parse(done.slice(5));
  assert.ok(c.mqtt_connects >= 2, `connects ${c.mqtt_connects}`);
  assert.ok(c.ship_batches >= 25);
  assert.match(r.stderr, /mqtt: connection lost/);
});
