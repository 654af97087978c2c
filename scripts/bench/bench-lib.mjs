// Shared helpers for `make bench` (scripts/bench.sh): run a command measuring wall time, CPU
// and peak RSS; count instructions with callgrind; summarise a callgrind file's top functions.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const QJS = join(ROOT, '.tools/bin/qjs');
/** How the init script starts the agent (openwrt/files/etc/init.d/netledger): qjs keeps no copy of the bundle's text. */
export const QJS_AGENT = [QJS, '--strip-source'];
export const BUNDLE = join(ROOT, 'dist/netledger.js');
export const OUT = join(ROOT, 'out/bench');
export const CG = join(OUT, 'cg');
mkdirSync(CG, { recursive: true });

function hwmKb(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /VmHWM:\s*(\d+)/.exec(s);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * Runs argv (stdout to `stdout` file or /dev/null, stdin from `stdin` file or /dev/null) and
 * returns { status, ms, cpuSec, peakRssKb, stderr }. Peak RSS is VmHWM sampled from /proc every
 * 5 ms (VmHWM only grows, so the last sample before exit is the peak to within the last 5 ms),
 * and cross-checked with the kernel's ru_maxrss via GNU time when it is installed.
 */
export async function measure(argv, { stdout = '/dev/null', stdin = '/dev/null', env } = {}) {
  const timeFile = join(OUT, `time.${process.pid}.txt`);
  const gnuTime = existsSync('/usr/bin/time');
  // GNU time execs the command itself, so the sampled pid is time's child: sample both.
  const full = gnuTime ? ['/usr/bin/time', '-f', '%M %U %S', '-o', timeFile, ...argv] : argv;
  const out = openSync(stdout, 'w');
  const inp = openSync(stdin, 'r');
  const t0 = performance.now();
  const child = spawn(full[0], full.slice(1), { stdio: [inp, out, 'pipe'], env: env ?? process.env });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  let peak = 0;
  const kids = () => {
    try {
      return readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    } catch {
      return [];
    }
  };
  const timer = setInterval(() => {
    for (const p of gnuTime ? kids() : [String(child.pid)]) peak = Math.max(peak, hwmKb(p));
  }, 5);
  const status = await new Promise((r) => child.on('close', (code) => r(code)));
  const ms = performance.now() - t0;
  clearInterval(timer);
  closeSync(out);
  closeSync(inp);
  let cpuSec = null;
  let maxrss = null;
  if (gnuTime && existsSync(timeFile)) {
    const [m, u, s] = readFileSync(timeFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
    maxrss = m;
    cpuSec = +(u + s).toFixed(2);
  }
  rmSync(timeFile, { force: true });
  return { status, ms: Math.round(ms), cpuSec, peakRssKb: Math.max(peak, maxrss ?? 0), sampledHwmKb: peak, maxrssKb: maxrss, stderr };
}

/** Instructions (Ir) of argv under callgrind; the profile is kept as out/bench/cg/<name>.out. */
export function callgrind(name, argv, { stdin = 'ignore' } = {}) {
  const file = join(CG, `${name}.out`);
  const r = spawnSync('valgrind', ['--tool=callgrind', `--callgrind-out-file=${file}`, ...argv], {
    encoding: 'utf8', stdio: [stdin, 'ignore', 'pipe'], maxBuffer: 1 << 26,
  });
  const m = /Collected : (\d+)/.exec(r.stderr);
  if (!m || r.status !== 0) throw new Error(`callgrind ${name} failed (${r.status}): ${r.stderr.slice(-1500)}`);
  return { ir: Number(m[1]), file, stderr: r.stderr.split('\n').filter((l) => !l.startsWith('==')).join('\n').trim() };
}

/** Top `n` functions by self cost in a callgrind profile: [{ fn, ir, pct }]. */
export function topFunctions(file, n = 12) {
  const r = spawnSync('callgrind_annotate', ['--threshold=100', file], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const rows = [];
  let total = 0;
  for (const line of r.stdout.split('\n')) {
    const m = /^\s*([\d,]+) \(\s*([\d.]+)%\)\s+(\S.*)$/.exec(line);
    if (!m) continue;
    const ir = Number(m[1].replace(/,/g, ''));
    if (m[3].startsWith('PROGRAM TOTALS')) { total = ir; continue; }
    if (m[3].startsWith('*') || m[3].startsWith('<') || m[3].startsWith('>')) continue;
    const fn = m[3].replace(/ \[.*\]$/, '').replace(/^.*\//, '');
    if (rows.length < n) rows.push({ fn, ir, pct: Number(m[2]) });
  }
  return { total, rows };
}

export async function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); });
  });
}

/** Reads a `replay:` summary line (stderr) into { events: {dns: n, ...}, read: {...} }. */
export function replaySummary(stderr) {
  const line = stderr.split('\n').find((l) => l.startsWith('replay:')) ?? '';
  const part = (key) => {
    const m = new RegExp(`${key} ([^;]*)`).exec(line);
    const o = {};
    if (m && m[1].trim() !== 'none') for (const kv of m[1].trim().split(' ')) { const [k, v] = kv.split('='); o[k] = Number(v); }
    return o;
  };
  return { line, events: part('events'), read: part('read'), skipped: part('skipped') };
}

export function writeJson(name, obj) {
  writeFileSync(join(OUT, name), JSON.stringify(obj, null, 1) + '\n');
}
