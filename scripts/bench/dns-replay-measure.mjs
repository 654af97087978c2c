#!/usr/bin/env node
// Instructions per line of the REAL replay command on the generated dnsmasq corpus:
//   qjs BUNDLE replay --dnsmasq FILE --year 2026 > /dev/null
// under callgrind, minus a run on the first 10 lines (qjs start and bundle load). The bundle is
// built privately (same options as scripts/build.mjs) so parallel builds of dist/ do not race.
//   node scripts/bench/dns-replay-measure.mjs [--lines 100000] [--bundle dist/netledger.js] [--config UCI] [--keep DIR]
// --config is passed to replay (e.g. out/bench/dns-core.uci: the pdns stream off).
// With --keep, the callgrind profiles stay in DIR (callgrind_annotate DIR/cg.full).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';

const ROOT = resolve(import.meta.dirname, '../..');
const QJS = join(ROOT, '.tools/bin/qjs');
const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : def;
};
const LINES = Number(arg('--lines', '100000'));
const keep = arg('--keep', undefined);
const config = arg('--config', undefined);
const configArgs = config === undefined ? [] : ['--config', resolve(config)];
const dir = keep ?? mkdtempSync(join(tmpdir(), 'nl-dnsreplay-'));
mkdirSync(dir, { recursive: true });
try {
  const log = join(dir, 'dnsmasq.log');
  execFileSync(process.execPath, [join(ROOT, 'scripts/bench/gen-dnsmasq.mjs'), '--lines', String(LINES), '--out', log]);
  const small = join(dir, 'dnsmasq10.log');
  writeFileSync(small, readFileSync(log, 'utf8').split('\n').slice(0, 10).join('\n') + '\n');
  let bundle = arg('--bundle', undefined);
  if (bundle === undefined) {
    bundle = join(dir, 'netledger.js');
    // built as scripts/build.mjs builds dist/netledger.js, by the tree's own build module
    const { buildQjsBundle } = await import(join(ROOT, 'scripts/qjs-bundle.mjs'));
    await buildQjsBundle(bundle, ROOT);
  }
  const run = (file, tag) => {
    const out = join(dir, `cg.${tag}`);
    const r = spawnSync('sh', ['-c', 'out=$1 qjs=$2 bundle=$3 file=$4; shift 4; exec valgrind --tool=callgrind --callgrind-out-file="$out" "$qjs" "$bundle" replay "$@" --dnsmasq "$file" --year 2026 > /dev/null',
      'sh', out, QJS, bundle, file, ...configArgs], { encoding: 'utf8' });
    const m = /Collected : (\d+)/.exec(r.stderr);
    if (!m) throw new Error(`callgrind failed: ${r.stderr.slice(-2000)}`);
    const summary = r.stderr.split('\n').filter((l) => !l.startsWith('==')).join('\n').trim();
    return { ir: Number(m[1]), summary };
  };
  const base = run(small, 'startup');
  const full = run(log, 'full');
  console.log(full.summary);
  console.log(`startup (10 lines): ${base.ir} instr`);
  console.log(`replay ${LINES} lines: ${((full.ir - base.ir) / LINES).toFixed(0)} instr/line (startup subtracted)`);
} finally {
  if (keep === undefined) rmSync(dir, { recursive: true, force: true });
}
