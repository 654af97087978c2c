#!/usr/bin/env node
// Measures instructions per line of the dnsmasq pipeline (parse + assemble + NDJSON encode)
// under qjs with callgrind: generated --log-queries=extra log, bare getline loop vs full.
//   node scripts/bench/dns-measure.mjs [--lines 100000] [--encode]
// --encode runs only the replay's path with and without the NDJSON lines (the encoder's figure).
// encode is measured on the replay's path: full - (fast lane + general, assembled).
import { build } from 'esbuild';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { mangleOptions } from '../mangle-props.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
const QJS = join(ROOT, '.tools/bin/qjs');
const i = process.argv.indexOf('--lines');
const LINES = i > 0 ? Number(process.argv[i + 1]) : 100000;
const dir = mkdtempSync(join(tmpdir(), 'nl-dnsbench-'));
try {
  const log = join(dir, 'dnsmasq.log');
  execFileSync(process.execPath, [join(ROOT, 'scripts/bench/gen-dnsmasq.mjs'), '--lines', String(LINES), '--out', log]);
  const bundle = join(dir, 'harness.js');
  await build({
    entryPoints: [join(ROOT, 'scripts/bench/dns-harness.ts')], outfile: bundle, bundle: true, format: 'esm',
    platform: 'neutral', target: 'es2022', minify: true, external: ['std', 'os'], logLevel: 'error', ...mangleOptions,
  });
  const run = (mode) => {
    const out = join(dir, `cg.${mode}`);
    const r = spawnSync('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, QJS, '-m', bundle, log, mode], { encoding: 'utf8' });
    const m = /Collected : (\d+)/.exec(r.stderr);
    if (!m) throw new Error(`callgrind failed: ${r.stderr.slice(-2000)}`);
    const info = r.stderr.split('\n').filter((l) => !l.startsWith('==')).join('\n').trim();
    return { ir: Number(m[1]), info };
  };
  if (process.argv.includes('--encode')) {
    const asm = run('asm');
    const full = run('full');
    console.log(full.info);
    console.log(`encode: ${((full.ir - asm.ir) / LINES).toFixed(0)} instr/line over ${LINES} lines`);
  } else {
    const bare = run('bare');
    const parse = run('parse');
    const asmg = run('asmg');
    const asm = run('asm');
    const full = run('full');
    const t0 = Date.now();
    spawnSync(QJS, ['-m', bundle, log, 'full']);
    const ms = Date.now() - t0;
    console.log(full.info);
    console.log(`lines: ${LINES}`);
    console.log(`bare getline loop: ${(bare.ir / LINES).toFixed(0)} instr/line`);
    // the general path alone (every line through parser and assembler), as the stages were first measured
    console.log(`+ parser:          ${(parse.ir / LINES).toFixed(0)} instr/line (parse ${((parse.ir - bare.ir) / LINES).toFixed(0)})`);
    console.log(`+ assembler:       ${(asmg.ir / LINES).toFixed(0)} instr/line (assemble ${((asmg.ir - parse.ir) / LINES).toFixed(0)})`);
    // what replay runs: the fast lane (src/pipeline/dns-fast-line.ts), else parser + assembler
    console.log(`replay's path:     ${(asm.ir / LINES).toFixed(0)} instr/line (parse + assemble ${((asm.ir - bare.ir) / LINES).toFixed(0)})`);
    console.log(`full pipeline:     ${(full.ir / LINES).toFixed(0)} instr/line (encode ${((full.ir - asm.ir) / LINES).toFixed(0)}; parse + assemble + encode ${((full.ir - bare.ir) / LINES).toFixed(0)})`);
    console.log(`wall (no valgrind): ${ms} ms, ${Math.round(LINES / (ms / 1000))} lines/s`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
