// Instructions per event to batch-encode (and decode) `dns` events under qjs, counted by
// callgrind: the same harness runs once generating the corpus only, once also encoding it and
// once encoding and decoding; the differences divided by the event count are the costs per event
// (batches of BATCH events). The harness is bundled as the agent is (scripts/qjs-bundle.mjs:
// es2022, property mangling, postMinify), so the figures are those of the real bundle.
// Run: node scripts/bench/codec-instr.mjs [events=5000] [batch=500] [--root TREE]
// --root measures the codec of another checkout (a worktree for "before") with this harness.
// KEEP=1 keeps the bundle and the callgrind profiles (callgrind_annotate DIR/cg.encode).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { qjsBundleOptions } from '../qjs-bundle.mjs';
import { postMinify } from '../mangle-props.mjs';

const HERE = resolve(import.meta.dirname, '../..');
const argv = process.argv.slice(2);
const at = argv.indexOf('--root');
const ROOT = at >= 0 ? resolve(argv.splice(at, 2)[1]) : HERE;
const N = Number(argv[0] ?? 5000);
const BATCH = Number(argv[1] ?? 500);
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
await build({ ...qjsBundleOptions(ROOT), entryPoints: [entry], outfile: bundle, logLevel: 'error' });
await postMinify(bundle);

function instructions(mode) {
  const out = join(dir, `cg.${mode}`);
  const r = spawnSync('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, join(HERE, '.tools/bin/qjs'), '-m', bundle, mode], { encoding: 'utf8' });
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
  console.log(`qjs, ${N} dns events in batches of ${BATCH} (${ROOT}): ${dec.stdout}`);
  console.log(`encode: ${Math.round(perEnc)} instructions/event`);
  console.log(`decode: ${Math.round(perDec)} instructions/event`);
} finally {
  if (process.env.KEEP) console.log('kept', dir); else rmSync(dir, { recursive: true, force: true });
}
