#!/usr/bin/env node
// Shares of the replay path's stages (join.learn, pdns, ioc, net learning, the sink) in
// instructions per line: callgrind runs of dns-replay-harness.ts with one stage off at a time.
//   node scripts/bench/dns-replay-shares.mjs [--lines 20000]
import { build } from 'esbuild';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';

const ROOT = resolve(import.meta.dirname, '../..');
const QJS = join(ROOT, '.tools/bin/qjs');
const i = process.argv.indexOf('--lines');
const LINES = i > 0 ? Number(process.argv[i + 1]) : 20000;
const dir = mkdtempSync(join(tmpdir(), 'nl-dnsshares-'));
try {
  const log = join(dir, 'dnsmasq.log');
  execFileSync(process.execPath, [join(ROOT, 'scripts/bench/gen-dnsmasq.mjs'), '--lines', String(LINES), '--out', log]);
  const bundle = join(dir, 'harness.js');
  await build({
    entryPoints: [join(ROOT, 'scripts/bench/dns-replay-harness.ts')], outfile: bundle, bundle: true, format: 'esm',
    platform: 'neutral', target: 'es2022', minify: true, external: ['std', 'os'], logLevel: 'error',
    alias: { buffer: join(ROOT, 'src/compat/buffer.ts'), events: join(ROOT, 'src/compat/events.ts') },
  });
  const run = (mode, file = log) => {
    const r = spawnSync('valgrind', ['--tool=callgrind', `--callgrind-out-file=${join(dir, 'cg.' + mode)}`, QJS, '-m', bundle, file, mode], { encoding: 'utf8' });
    const m = /Collected : (\d+)/.exec(r.stderr);
    if (!m) throw new Error(`callgrind failed: ${r.stderr.slice(-2000)}`);
    return Number(m[1]);
  };
  const full = run('full');
  const per = (x) => (x / LINES).toFixed(0);
  console.log(`full harness: ${per(full)} instr/line (startup included)`);
  for (const mode of ['nojoin', 'nopdns', 'noioc', 'nonet', 'nosink', 'none']) {
    const ir = run(mode);
    console.log(`${mode.padEnd(7)} ${per(ir)} instr/line: saves ${per(full - ir)}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
