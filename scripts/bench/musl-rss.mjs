#!/usr/bin/env node
// Peak RSS of the bench runs under qjs built on glibc (.tools/bin/qjs) and on musl
// (.tools/bin/qjs-musl, scripts/setup-musl.sh), side by side: the router's qjs runs on musl, and
// the RSS targets of issues 2 and 3 are about the router. Same argv as bench-dns.mjs and
// bench-conntrack.mjs (--strip-source, as the init script starts the agent); peak RSS is GNU
// time's %M (ru_maxrss = VmHWM). When .tools/bin/qjs-musl32 is built (scripts/setup-musl32.sh:
// i386 on musl, NaN-boxed values as on 32-bit MIPS/ARM routers) it is measured as a third engine,
// 'musl32'. See docs/musl.md.
//   node scripts/bench/musl-rss.mjs [--runs 3] [--only dns-core,issue3] [--instr]
//        [--engine name=/path/to/qjs ...] [--bundle dist/netledger.js]
// --instr adds callgrind instr/line of the DNS replay (pdns off) on the first 20,000 lines of
// out/bench/dns-cg.log, per engine, one run at a time. Writes out/bench/musl-rss.json.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BUNDLE, OUT, QJS, ROOT, callgrind, measure, writeJson } from './bench-lib.mjs';

const argv = process.argv.slice(2);
const opt = (name, def) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : def;
};
const RUNS = Number(opt('--runs', '3'));
const only = opt('--only', '')?.split(',').filter(Boolean) ?? [];
const bundle = resolve(opt('--bundle', BUNDLE));
const QJS_MUSL = join(ROOT, '.tools/bin/qjs-musl');
const QJS_MUSL32 = join(ROOT, '.tools/bin/qjs-musl32');

const engines = [['glibc', QJS], ['musl', QJS_MUSL]];
// Optional: most routers are 32-bit, but this one needs gcc-multilib and a 32-bit musl.
if (existsSync(QJS_MUSL32)) engines.push(['musl32', QJS_MUSL32]);
else console.log(`musl-rss: ${QJS_MUSL32} is not built (bash scripts/setup-musl32.sh), measuring without it`);
argv.forEach((a, i) => {
  if (a !== '--engine') return;
  const [name, path] = argv[i + 1].split('=');
  engines.push([name, resolve(path)]);
});
for (const [name, path] of engines) {
  if (!existsSync(path)) {
    console.log(`musl-rss: ${name} engine ${path} is missing (run: bash scripts/setup-musl.sh), skipped`);
    process.exit(0);
  }
}
if (!existsSync(bundle)) throw new Error(`musl-rss: no bundle at ${bundle}: run 'make build' first`);

const B = (f) => join(OUT, f);
for (const f of ['dns-1m.log', 'dns-core.uci', 'ct-200k.txt', 'join.log', 'ct-flows.uci']) {
  if (!existsSync(B(f))) throw new Error(`musl-rss: ${B(f)} is missing: run 'make bench' (scripts/bench.sh) once to generate the inputs`);
}
const LAN = ['--config', B('ct-flows.uci'), '--sensor', 'replay', '--lan', '192.0.2.0/24', '--lan', '2001:db8:1::/64', '--year', '2026'];
// [key, label, argv after the engine]
const RUN_SPECS = [
  ['empty', "qjs -e ''", ['-e', '']],
  ['version', 'netledger version', ['--strip-source', bundle, 'version']],
  ['dns-core', 'DNS 1M replay, pdns off (issue 2: < 6 MB)', ['--strip-source', bundle, 'replay', '--config', B('dns-core.uci'), '--dnsmasq', B('dns-1m.log'), '--year', '2026']],
  ['dns-pdns', 'DNS 1M replay, pdns on', ['--strip-source', bundle, 'replay', '--dnsmasq', B('dns-1m.log'), '--year', '2026']],
  ['ct-only', 'conntrack 200k replay', ['--strip-source', bundle, 'replay', '--conntrack', B('ct-200k.txt'), ...LAN]],
  ['issue3', 'conntrack 200k + join.log (issue 3: <= 8 MB)', ['--strip-source', bundle, 'replay', '--conntrack', B('ct-200k.txt'), '--dnsmasq', B('join.log'), ...LAN]],
].filter(([k]) => only.length === 0 || only.includes(k));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rss = {};
for (const [key, , args] of RUN_SPECS) {
  rss[key] = Object.fromEntries(engines.map(([e]) => [e, []]));
  // Engines alternate run by run, so drift in machine load spreads over both.
  for (let i = 0; i < RUNS; i++) {
    for (const [e, path] of engines) {
      const r = await measure([path, ...args]);
      if (r.status !== 0) throw new Error(`musl-rss: ${e} ${key} exited ${r.status}: ${r.stderr.slice(-500)}`);
      if (r.maxrssKb === null) throw new Error('musl-rss: /usr/bin/time (GNU time) is needed for %M');
      rss[key][e].push(r.maxrssKb);
    }
  }
}

const binary = Object.fromEntries(engines.map(([e, path]) => {
  const size = spawnSync('size', [path], { encoding: 'utf8' }).stdout.trim().split('\n')[1]?.trim().split(/\s+/).map(Number) ?? [];
  const interp = spawnSync('readelf', ['-l', path], { encoding: 'utf8' }).stdout.match(/interpreter: ([^\]]+)\]/)?.[1] ?? 'static';
  return [e, { bytes: statSync(path).size, text: size[0], data: size[1], bss: size[2], interpreter: interp }];
}));

let instr = null;
if (argv.includes('--instr')) {
  const LINES = 20000;
  const dir = mkdtempSync(join(tmpdir(), 'nl-musl-'));
  try {
    const slice = join(dir, 'dns-20k.log');
    const tiny = join(dir, 'dns-10.log');
    const lines = readFileSync(B('dns-cg.log'), 'utf8').split('\n');
    writeFileSync(slice, lines.slice(0, LINES).join('\n') + '\n');
    writeFileSync(tiny, lines.slice(0, 10).join('\n') + '\n');
    const core = (file) => ['--strip-source', bundle, 'replay', '--config', B('dns-core.uci'), '--dnsmasq', file, '--year', '2026'];
    instr = {};
    for (const [e, path] of engines) {
      const full = callgrind(`musl-rss-${e}-dns20k`, [path, ...core(slice)]);
      const start = callgrind(`musl-rss-${e}-dns10`, [path, ...core(tiny)]);
      instr[e] = { lines: LINES, irStartup: start.ir, perLine: Math.round((full.ir - start.ir) / (LINES - 10)) };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const res = { runs: RUNS, bundle, engines: Object.fromEntries(engines), rssKb: rss, binary, instr };
writeJson('musl-rss.json', res);

const n = (x) => (x === undefined || x === null ? '-' : x.toLocaleString('en-US'));
const cell = (xs) => `${n(median(xs))} (${n(Math.min(...xs))}-${n(Math.max(...xs))})`;
const names = engines.map(([e]) => e);
const rows = [['run', ...names.map((e) => `${e} KB`), ...names.slice(1).map((e) => `${e}-glibc`)]];
for (const [key, label] of RUN_SPECS) {
  const med = names.map((e) => median(rss[key][e]));
  rows.push([label, ...names.map((e) => cell(rss[key][e])), ...med.slice(1).map((m) => `${m - med[0] >= 0 ? '+' : ''}${n(m - med[0])}`)]);
}
rows.push(['binary bytes (text)', ...names.map((e) => `${n(binary[e].bytes)} (${n(binary[e].text)})`), ...names.slice(1).map(() => '')]);
if (instr) rows.push([`DNS ${n(instr.glibc.lines)} lines, pdns off: instr/line`, ...names.map((e) => n(instr[e].perLine)), ...names.slice(1).map((e) => `${instr[e].perLine - instr.glibc.perLine >= 0 ? '+' : ''}${n(instr[e].perLine - instr.glibc.perLine)}`)]);
const w = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
console.log(`musl-rss: peak RSS (GNU time %M = VmHWM), median (min-max) of ${RUNS} runs`);
for (const r of rows) console.log('  ' + r.map((v, c) => (c === 0 ? v.padEnd(w[c]) : v.padStart(w[c]))).join('  '));
