#!/usr/bin/env node
// Issue 2 figures: the generated dnsmasq log through the real bundle under qjs
// (`qjs dist/netledger.js replay --dnsmasq FILE --year 2026 > /dev/null`) next to a bare qjs
// std.open().getline() loop over the same file (the reference), and the agent's own line
// reader alone (scripts/bench/bare-read.ts): replay less that one is parse + assemble + NDJSON.
//   node scripts/bench/bench-dns.mjs time|instr   (inputs from scripts/bench.sh in out/bench/)
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUNDLE, OUT, QJS, QJS_AGENT, ROOT, callgrind, measure, replaySummary, topFunctions, writeJson } from './bench-lib.mjs';

const phase = process.argv[2];
const LOG_FULL = join(OUT, 'dns-1m.log');
const LOG_CG = join(OUT, 'dns-cg.log');
const LOG_TINY = join(OUT, 'dns-10.log');
const lines = (f) => Number(process.env[f] ?? 0);
const BARE = join(OUT, 'bare-getline.js');
writeFileSync(BARE, `import * as std from 'std';
const f = std.open(scriptArgs[1], 'r');
let n = 0;
while (f.getline() !== null) n++;
std.err.puts('lines ' + n + '\\n');
`);
// the agent's reader, bundled as the agent is (esbuild options and postMinify of the release)
const BARE_READ = join(OUT, 'bare-read.js');
{
  const { build } = await import('esbuild');
  const { qjsBundleOptions } = await import('../qjs-bundle.mjs');
  const { postMinify } = await import('../mangle-props.mjs');
  await build({ ...qjsBundleOptions(ROOT), entryPoints: ['scripts/bench/bare-read.ts'], outfile: BARE_READ });
  await postMinify(BARE_READ);
}
const bareRead = (file) => [QJS, '-m', BARE_READ, file];
const replay = (file) => [...QJS_AGENT, BUNDLE, 'replay', '--dnsmasq', file, '--year', '2026'];
// The figure is parse + assemble + NDJSON encode: the same replay with the pdns stream
// (an aggregation on top of the dns events) switched off.
const CORE_UCI = join(OUT, 'dns-core.uci');
writeFileSync(CORE_UCI, "config streams 'streams'\n\toption pdns '0'\n");
const replayCore = (file) => [...QJS_AGENT, BUNDLE, 'replay', '--config', CORE_UCI, '--dnsmasq', file, '--year', '2026'];
const bare = (file) => [QJS, '-m', BARE, file];

if (phase === 'time') {
  const N = lines('DNS_LINES');
  const full = await measure(replay(LOG_FULL));
  if (full.status !== 0) throw new Error(`replay failed: ${full.stderr}`);
  const base = await measure(bare(LOG_FULL));
  const core = await measure(replayCore(LOG_FULL));
  const tiny = await measure(replay(LOG_TINY));
  const sum = replaySummary(full.stderr);
  const res = {
    lines: N, summary: sum.line, events: sum.events,
    replay: { ms: full.ms, cpuSec: full.cpuSec, linesPerSec: Math.round(N / (full.ms / 1000)), linesPerCpuSec: Math.round(N / full.cpuSec), peakRssKb: full.peakRssKb },
    core: { ms: core.ms, linesPerSec: Math.round(N / (core.ms / 1000)), peakRssKb: core.peakRssKb },
    bare: { ms: base.ms, cpuSec: base.cpuSec, linesPerSec: Math.round(N / (base.ms / 1000)), peakRssKb: base.peakRssKb },
    startup10Lines: { ms: tiny.ms, peakRssKb: tiny.peakRssKb },
  };
  res.ratioCpu = +(full.cpuSec / Math.max(base.cpuSec, 0.01)).toFixed(1);
  writeJson('dns-time.json', res);
  console.log(`dns time: ${JSON.stringify(res.replay)} bare ${JSON.stringify(res.bare)}`);
} else if (phase === 'instr') {
  const N = lines('DNS_CG_LINES');
  const full = callgrind('dns-replay', replay(LOG_CG));
  const tiny = callgrind('dns-replay-10', replay(LOG_TINY));
  const b = callgrind('dns-bare', bare(LOG_CG));
  const bTiny = callgrind('dns-bare-10', bare(LOG_TINY));
  const r = callgrind('dns-bare-read', bareRead(LOG_CG));
  const rTiny = callgrind('dns-bare-read-10', bareRead(LOG_TINY));
  const core = callgrind('dns-replay-core', replayCore(LOG_CG));
  const coreTiny = callgrind('dns-replay-core-10', replayCore(LOG_TINY));
  const perLine = (full.ir - tiny.ir) / (N - 10);
  const barePerLine = (b.ir - bTiny.ir) / (N - 10);
  const readPerLine = (r.ir - rTiny.ir) / (N - 10);
  const res = {
    lines: N, summary: replaySummary(full.stderr).line,
    replay: { ir: full.ir, irStartup: tiny.ir, perLine: Math.round(perLine), perLineWithStartup: Math.round(full.ir / N) },
    bare: { ir: b.ir, irStartup: bTiny.ir, perLine: Math.round(barePerLine) },
    read: { ir: r.ir, irStartup: rTiny.ir, perLine: Math.round(readPerLine) },
    core: { ir: core.ir, perLine: Math.round((core.ir - coreTiny.ir) / (N - 10)) },
    pipelinePerLine: Math.round(perLine - readPerLine),
    ratio: +(perLine / barePerLine).toFixed(1),
    top: topFunctions(full.file),
  };
  writeJson('dns-instr.json', res);
  console.log(`dns instr: ${res.replay.perLine} instr/line (bare ${res.bare.perLine}, ratio ${res.ratio})`);
} else throw new Error('usage: bench-dns.mjs time|instr');
