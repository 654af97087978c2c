// Bundles scripts/bench/join-mem.ts for qjs and runs it in each mode; with --callgrind also
// counts instructions (valgrind) to give per-learn and per-annotate costs.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';

const root = resolve(import.meta.dirname, '../..');
const qjs = join(root, '.tools/bin/qjs');
const dir = mkdtempSync(join(tmpdir(), 'nl-joinbench-'));
const out = join(dir, 'join-mem.js');
await build({ entryPoints: [join(root, 'scripts/bench/join-mem.ts')], outfile: out, bundle: true, format: 'esm',
  platform: 'neutral', target: 'es2020', external: ['std', 'os'], minify: true, logLevel: 'error' });
const irs = {};
const extra = process.argv.includes('--preseat') ? ['preseat'] : [];
for (const mode of ['events', 'learn', 'full', 'full5']) {
  const r = spawnSync(qjs, ['-m', out, mode, ...extra], { encoding: 'utf8' });
  console.log(r.stdout.trim() || r.stderr);
  if (process.argv.includes('--callgrind')) {
    const v = spawnSync('valgrind', ['--tool=callgrind', '--callgrind-out-file=/dev/null', qjs, '-m', out, mode, ...extra], { encoding: 'utf8' });
    const m = /Collected : (\d+)/.exec(v.stderr);
    irs[mode] = m ? Number(m[1]) : NaN;
  }
}
if (process.argv.includes('--callgrind')) {
  console.log(`instructions: per learn (2 answers) ${Math.round((irs.learn - irs.events) / 25000)}, per annotate ${Math.round((irs.full - irs.learn) / 20000)} (first), ${Math.round((irs.full5 - irs.full) / 80000)} (repeated)`);
}
rmSync(dir, { recursive: true, force: true });
