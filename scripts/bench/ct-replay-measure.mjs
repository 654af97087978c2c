#!/usr/bin/env node
// Instructions per line of the REAL conntrack replay command (issue 3):
//   qjs --strip-source -m BUNDLE replay --conntrack SLICE --lan 192.0.2.0/24 --lan 2001:db8:1::/64
//     --year 2026 --config out/bench/ct-flows.uci > /dev/null
// under callgrind, minus the same on the slice's first 10 lines (qjs start and bundle load).
// SLICE = --lines N lines of out/bench/ct-200k.txt from line --from (1-based). The bundle is built
// privately from --root (default: this tree; a worktree for a "before") with the options of
// scripts/build.mjs, so parallel builds of dist/ do not race.
//   node scripts/bench/ct-replay-measure.mjs [--from 1] [--lines 20000] [--root DIR] [--bundle F]
//     [--no-lan6] [--keep DIR] [--no-cg]
// --keep DIR keeps the bundle, the slice, the callgrind profiles and the replay's stdout/stderr
// (out.txt, err.txt: `cmp` them between two trees). --no-cg only builds and replays (for cmp).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';

const HERE = resolve(import.meta.dirname, '../..');
const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : def;
};
const ROOT = resolve(arg('--root', HERE));
const QJS = join(HERE, '.tools/bin/qjs');
const FROM = Number(arg('--from', '1'));
const LINES = Number(arg('--lines', '20000'));
const keep = arg('--keep', undefined);
const cg = !process.argv.includes('--no-cg');
const lans = ['--lan', '192.0.2.0/24', ...(process.argv.includes('--no-lan6') ? [] : ['--lan', '2001:db8:1::/64'])];
const dir = keep ?? mkdtempSync(join(tmpdir(), 'nl-ctreplay-'));
mkdirSync(dir, { recursive: true });
try {
  const all = readFileSync(join(HERE, 'out/bench/ct-200k.txt'), 'utf8').split('\n');
  if (all[all.length - 1] === '') all.pop();
  const lines = all.slice(FROM - 1, FROM - 1 + LINES);
  const slice = join(dir, 'slice.txt');
  writeFileSync(slice, lines.join('\n') + '\n');
  const small = join(dir, 'slice10.txt');
  writeFileSync(small, lines.slice(0, 10).join('\n') + '\n');
  let bundle = arg('--bundle', undefined);
  if (bundle === undefined) {
    bundle = join(dir, 'netledger.js');
    // built as scripts/build.mjs builds dist/netledger.js, by the tree's own build module
    const { buildQjsBundle } = await import(join(ROOT, 'scripts/qjs-bundle.mjs'));
    await buildQjsBundle(bundle, ROOT);
    console.log(`bundle ${readFileSync(bundle).length} bytes (${ROOT})`);
  }
  const replay = ['--strip-source', '-m', bundle, 'replay', '--conntrack'];
  const rest = [...lans, '--year', '2026', '--config', join(HERE, 'out/bench/ct-flows.uci')];
  const plain = spawnSync(QJS, [...replay, slice, ...rest], { maxBuffer: 1 << 30 });
  writeFileSync(join(dir, 'out.txt'), plain.stdout);
  writeFileSync(join(dir, 'err.txt'), plain.stderr);
  if (plain.status !== 0) throw new Error(`replay failed (${plain.status}): ${plain.stderr.toString().slice(-2000)}`);
  if (cg) {
    const run = (file, tag) => {
      const r = spawnSync('sh', ['-c', 'out=$1; shift; exec valgrind --tool=callgrind --callgrind-out-file="$out" "$@" > /dev/null',
        'sh', join(dir, `cg.${tag}`), QJS, ...replay, file, ...rest], { encoding: 'utf8' });
      const m = /Collected : (\d+)/.exec(r.stderr);
      if (!m) throw new Error(`callgrind failed: ${r.stderr.slice(-2000)}`);
      return Number(m[1]);
    };
    const base = run(small, 'startup');
    const full = run(slice, 'full');
    console.log(`startup (10 lines): ${base} instr`);
    console.log(`lines ${FROM}..${FROM + LINES - 1}: ${((full - base) / LINES).toFixed(0)} instr/line (startup subtracted)`);
  }
} finally {
  if (keep === undefined) rmSync(dir, { recursive: true, force: true });
}
