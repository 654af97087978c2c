// Bench: events/s shipped by the agent's real path under qjs — Shipper → MqttClient → QoS 1
// PUBLISH → busybox nc's pipes → a local Mosquitto — until every batch is acknowledged.
// Usage: node scripts/bench/mqtt-throughput.mjs [batches=3000] [eventsPerBatch=64] [bytesPerEvent=48] [nc="busybox nc"]
// Batches carry a synthetic payload of eventsPerBatch*bytesPerEvent bytes (the size of a
// columnar batch of that many events); prints one JSON line.
import { build } from 'esbuild';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const QJS = join(ROOT, '.tools/bin/qjs');
const [batches = '3000', perBatch = '64', perEvent = '48', nc = 'busybox nc'] = process.argv.slice(2);
const payloadBytes = Number(perBatch) * Number(perEvent);

const dir = mkdtempSync(join(tmpdir(), 'nl-bench-mqtt-'));
const port = await new Promise((r) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => r(p)); }); });
writeFileSync(join(dir, 'mosquitto.conf'), `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_inflight_messages 100\nlog_dest none\n`);
chmodSync(dir, 0o755);
const broker = spawn('mosquitto', ['-c', join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
try {
  for (let i = 0; ; i++) {
    const ok = await new Promise((r) => { const s = connect(port, '127.0.0.1'); s.once('connect', () => { s.destroy(); r(true); }); s.once('error', () => r(false)); });
    if (ok) break;
    if (i > 100) throw new Error('mosquitto did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  const outfile = join(dir, 'harness.js');
  await build({
    entryPoints: [join(ROOT, 'test/transport/qjs/ship-harness.ts')], outfile, bundle: true, format: 'esm', minify: true,
    platform: 'neutral', target: 'es2020', external: ['std', 'os'], logLevel: 'error', mainFields: ['module', 'main'],
  });
  const r = spawnSync('/usr/bin/time', ['-f', '%M %U %S', QJS, '-m', outfile, String(port), batches, String(payloadBytes), 'bench', nc], { encoding: 'utf8', timeout: 300_000 });
  const rate = r.stdout.split('\n').find((l) => l.startsWith('RATE '));
  if (!rate) throw new Error(`harness failed (${r.status}): ${r.stderr}${r.stdout}`);
  const x = JSON.parse(rate.slice(5));
  const [maxRssKb, user, sys] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
  console.log(JSON.stringify({
    bench: 'mqtt-throughput', transport: nc, batches: x.batches, payloadBytes, eventsPerBatch: Number(perBatch),
    ms: x.ms, batchesPerSec: x.batchesPerSec, eventsPerSec: Math.round(x.batchesPerSec * Number(perBatch)),
    MBps: +((x.bytes / x.ms) / 1000).toFixed(2), qjsMaxRssKb: maxRssKb, qjsCpuSec: +(user + sys).toFixed(2),
  }));
} finally {
  broker.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
