// Instructions per event to batch-encode (and decode) `dns` events under qjs, counted by
// callgrind: the same harness runs once generating the corpus only and once also encoding it;
// the difference divided by the event count is the cost per event (batches of BATCH events).
// Run: node scripts/bench/codec-instr.mjs [events=5000] [batch=500]
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';

const ROOT = resolve(import.meta.dirname, '../..');
const N = Number(process.argv[2] ?? 5000);
const BATCH = Number(process.argv[3] ?? 500);
const dir = mkdtempSync(join(tmpdir(), 'nl-bench-'));

const entry = join(dir, 'harness.ts');
writeFileSync(entry, `
import { dnsCorpus } from ${JSON.stringify(join(ROOT, 'test/codec/corpus.ts'))};
import { encodeBatch, decodeBatch } from ${JSON.stringify(join(ROOT, 'src/codec/batch.ts'))};
import * as std from 'std';
const mode = scriptArgs[1];
const events = dnsCorpus(42, ${N});
const batches = [];
let bytes = 0;
if (mode !== 'gen') {
  for (let i = 0; i < events.length; i += ${BATCH}) {
    const b = encodeBatch({ sensor: 'rtr-home-01', boot: 'b', seq: i, stream: 'dns', events: events.slice(i, i + ${BATCH}) });
    bytes += b.length;
    batches.push(b);
  }
}
let decoded = 0;
if (mode === 'decode') for (const b of batches) decoded += decodeBatch(b).events.length;
std.out.puts(JSON.stringify({ mode, bytes, decoded }) + '\\n');
`);
const bundle = join(dir, 'harness.js');
await build({ entryPoints: [entry], outfile: bundle, bundle: true, format: 'esm', platform: 'neutral', target: 'es2020', external: ['std', 'os'], minify: true, logLevel: 'error' });

function instructions(mode) {
  const out = join(dir, `cg.${mode}`);
  const r = spawnSync('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, join(ROOT, '.tools/bin/qjs'), '-m', bundle, mode], { encoding: 'utf8' });
  const m = /Collected : (\d+)/.exec(r.stderr);
  if (!m) throw new Error(`callgrind failed for ${mode}: ${r.stderr.slice(-500)}`);
  if (r.status !== 0) throw new Error(`qjs ${mode} failed: ${r.stdout}${r.stderr.slice(-800)}`);
  return { ir: Number(m[1]), stdout: r.stdout.trim() };
}

try {
  const gen = instructions('gen');
  const enc = instructions('encode');
  const dec = instructions('decode');
  const perEnc = (enc.ir - gen.ir) / N;
  const perDec = (dec.ir - enc.ir) / N;
  console.log(`qjs, ${N} dns events in batches of ${BATCH}: ${enc.stdout}`);
  console.log(`encode: ${Math.round(perEnc)} instructions/event`);
  console.log(`decode: ${Math.round(perDec)} instructions/event`);
} finally {
  if (process.env.KEEP) console.log('kept', dir); else rmSync(dir, { recursive: true, force: true });
}
