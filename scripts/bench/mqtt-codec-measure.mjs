// Measures the MQTT codec candidates for docs/dependencies.md ("MQTT codec"): bundle bytes
// (minified, gzip) through esbuild with our compat shims, and peak RSS under qjs of a harness
// that encodes a CONNECT plus N PUBLISH packets and parses them back.
// Usage: node scripts/bench/mqtt-codec-measure.mjs [N=2000]
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';

const ROOT = resolve(import.meta.dirname, '../..');
const QJS = join(ROOT, '.tools/bin/qjs');
const N = Number(process.argv[2] ?? 2000);
const compat = (f) => join(ROOT, 'src/compat', f);
const alias = {
  buffer: compat('buffer.ts'),
  events: compat('events.ts'),
  debug: compat('debug.cjs'),
  'process-nextick-args': compat('process.ts'),
  process: compat('process.ts'),
  // readable-stream's browser entry (bl needs it); the Node entry reaches for 'stream'.
  'readable-stream': join(ROOT, 'node_modules/readable-stream/lib/ours/browser.js'),
  // MQTT.js as a whole: its own browser bundle (the Node build needs net/tls/url/ws).
  mqtt: join(ROOT, 'node_modules/mqtt/dist/mqtt.esm.js'),
};

const RSS = `const st = std.open('/proc/self/status', 'r').readAsString(); const hwm = /VmHWM:\\s*(\\d+)/.exec(st)[1];`;
const harnesses = {
  empty: `import * as std from 'std';
${RSS} print(JSON.stringify({ packets: 0, hwmKb: +hwm }));`,
  own: `import * as std from 'std';
import { encode, decodeBody } from '${ROOT}/src/transport/mqtt/packet';
import { PacketParser } from '${ROOT}/src/transport/mqtt/parser';
const payload = new Uint8Array(600).fill(65);
const chunks = [encode({ cmd: 'connect', clientId_: 'sensor-1', cleanSession_: false, keepalive_: 60 })];
for (let i = 0; i < ${N}; i++) chunks.push(encode({ cmd: 'publish', topic: 'netledger/v1/sensor-1/dns', payload, qos: 1, retain: false, dup: false, messageId: 1 + (i % 65535) }));
let n = 0; const p = new PacketParser(1 << 20, decodeBody);
for (const c of chunks) p.push_(c, () => n++);
${RSS} print(JSON.stringify({ packets: n, hwmKb: +hwm }));`,
  'mqtt-packet': `import * as std from 'std';
import mp from 'mqtt-packet';
import { Buffer } from 'buffer';
const payload = Buffer.alloc(600, 65);
const chunks = [mp.generate({ cmd: 'connect', clientId: 'sensor-1', clean: false, keepalive: 60, protocolVersion: 4 })];
for (let i = 0; i < ${N}; i++) chunks.push(mp.generate({ cmd: 'publish', topic: 'netledger/v1/sensor-1/dns', payload, qos: 1, retain: false, dup: false, messageId: 1 + (i % 65535) }));
let n = 0; const p = mp.parser({ protocolVersion: 4 }); p.on('packet', () => n++); p.on('error', (e) => { throw e; });
for (const c of chunks) p.parse(c);
${RSS} print(JSON.stringify({ packets: n, hwmKb: +hwm }));`,
  mqtt: `import * as std from 'std';
import * as mqtt from 'mqtt';
globalThis.keep = mqtt;
${RSS} print(JSON.stringify({ packets: 0, hwmKb: +hwm }));`,
};

const dir = mkdtempSync(join(tmpdir(), 'nl-mqttm-'));
const rows = [];
try {
  for (const [name, src] of Object.entries(harnesses)) {
    const entry = join(dir, `${name}.js`);
    writeFileSync(entry, src);
    const outfile = join(dir, `${name}.out.js`);
    let row = { name };
    try {
      await build({
        entryPoints: [entry], outfile, bundle: true, format: 'esm', platform: 'neutral', target: 'es2020',
        minify: true, external: ['std', 'os'], alias, mainFields: ['module', 'main'], logLevel: 'silent',
        nodePaths: [join(ROOT, 'node_modules')], define: { 'process.env.NODE_DEBUG': 'undefined', global: 'globalThis' },
        inject: [compat('process-global.ts')],
      });
      const raw = (await import('node:fs')).readFileSync(outfile);
      row.bytes = raw.length;
      row.gzip = gzipSync(raw, { level: 9 }).length;
      const t0 = performance.now();
      const r = spawnSync(QJS, ['-m', outfile], { encoding: 'utf8', timeout: 60_000 });
      row.qjsMs = Math.round(performance.now() - t0);
      const line = r.stdout.trim().split('\n').pop();
      try { Object.assign(row, JSON.parse(line)); } catch { row.qjs = `failed: ${(r.stderr || r.stdout).trim().split('\n').slice(0, 2).join(' | ')}`; }
    } catch (e) {
      row.build = `failed: ${String(e.message).split('\n').slice(0, 3).join(' | ')}`;
    }
    rows.push(row);
  }
} finally {
  if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true }); else console.error(dir);
}
console.log(JSON.stringify({ publishes: N, payloadBytes: 600, rows }, null, 1));
