#!/usr/bin/env node
// Where the qjs heap peaks, deterministically (VmHWM is noisy by ±0.2 MB): runs a command under
// valgrind massif (or reads a massif.out file) and prints the peak heap and its bytes grouped by
// the first qjs allocator caller that is not a malloc wrapper or the interpreter loop
// (js_array_buffer_constructor3 = typed arrays, map_add_record = Map entries,
// js_alloc_string_rt / string_buffer_* = strings, js_create_function = the compiled bundle).
//   node scripts/bench/mem-peak.mjs [--snapshot N] -- qjs --strip-source -m dist/netledger.js replay ...
//   node scripts/bench/mem-peak.mjs [--snapshot N] --file massif.out
// The issue-3 run (make bench's command) takes ~2 minutes under massif.
//   node scripts/bench/mem-peak.mjs --rss N -- qjs ...
// runs the command N times without valgrind, reading /proc/PID/status every 5 ms, and prints
// VmHWM, the file-backed part (RssFile: the qjs binary and libc pages, 2.6-2.8 MB, and what
// varies from run to run: most of VmHWM's +-0.2 MB noise) and the anonymous part (RssAnon, the
// heap: the same to a few kB in most runs, ~0.1 MB off in a few: compare changes by its median).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const args = process.argv.slice(2);
const opt = (n) => { const i = args.indexOf(n); return i >= 0 ? args[i + 1] : undefined; };
if (opt('--rss') !== undefined) {
  const cmd = args.slice(args.indexOf('--') + 1);
  if (args.indexOf('--') < 0 || cmd.length === 0) throw new Error('usage: mem-peak.mjs --rss N -- command...');
  const kb = (status, key) => Number((new RegExp(`${key}:\\s*(\\d+)`).exec(status) ?? [])[1] ?? NaN);
  const rows = [];
  for (let run = 0; run < Number(opt('--rss')); run++) {
    const child = spawn(cmd[0], cmd.slice(1), { stdio: ['ignore', 'ignore', 'ignore'] });
    const peak = { hwm: 0, file: 0, anon: 0 };
    const timer = setInterval(() => {
      let st;
      try {
        st = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      } catch {
        return; // gone
      }
      const hwm = kb(st, 'VmHWM');
      const anon = kb(st, 'RssAnon');
      const fileKb = kb(st, 'RssFile');
      // a process on its way out has no memory lines (NaN)
      if (!/^State:\s*Z/m.test(st) && hwm > 0 && anon > 0 && fileKb > 0) {
        peak.hwm = Math.max(peak.hwm, hwm);
        peak.file = fileKb;
        peak.anon = Math.max(peak.anon, anon);
      }
    }, 5);
    await new Promise((res) => child.on('exit', res));
    clearInterval(timer);
    rows.push(peak);
    console.log(`VmHWM ${peak.hwm} kB = RssFile ${peak.file} + ${peak.hwm - peak.file}; RssAnon peak seen ${peak.anon} kB`);
  }
  const med = (k) => rows.map((r) => r[k]).sort((a, b) => a - b)[rows.length >> 1];
  console.log(`median: VmHWM ${med('hwm')} kB, RssAnon ${med('anon')} kB`);
  process.exit(0);
}
let file = opt('--file');
let dir;
if (file === undefined) {
  const cmd = args.slice(args.indexOf('--') + 1);
  if (args.indexOf('--') < 0 || cmd.length === 0) throw new Error('usage: mem-peak.mjs [--snapshot N] (--file F | -- command...)');
  dir = mkdtempSync(join(tmpdir(), 'nl-mempeak-'));
  file = join(dir, 'massif.out');
  const r = spawnSync('valgrind', ['--tool=massif', `--massif-out-file=${file}`, '--depth=30', '--threshold=0.5', ...cmd],
    { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`massif: ${r.stderr.toString().slice(-800)}`);
}
const lines = readFileSync(file, 'utf8').split('\n');
const want = opt('--snapshot');
const WRAPPER = /malloc|realloc|calloc|js_def_|JS_CallInternal|js_call_c_function|JS_Call |alloc-fns|in \d+ places?/;
const byCaller = new Map();
let found = null;
for (let i = 0; i < lines.length; i++) {
  if (!lines[i].startsWith('snapshot=')) continue;
  const n = Number(lines[i].slice(9));
  const head = {};
  let j = i + 1;
  for (; j < lines.length && !lines[j].startsWith('heap_tree='); j++) {
    const k = lines[j].indexOf('=');
    if (k > 0) head[lines[j].slice(0, k)] = lines[j].slice(k + 1);
  }
  const tree = lines[j]?.slice(10);
  if (want !== undefined ? Number(want) !== n : tree !== 'peak') continue;
  if (tree === 'empty') throw new Error(`snapshot ${n} is not a detailed one`);
  found = { n, heap: Number(head.mem_heap_B), extra: Number(head.mem_heap_extra_B), time: head.time };
  // the tree: "<indent>n<children>: <bytes> <frame>"; a leaf's bytes go to its first non-wrapper frame
  const stack = [];
  for (j++; j < lines.length && /^\s*n\d+:/.test(lines[j]); j++) {
    const m = /^(\s*)n(\d+): (\d+) (.*)$/.exec(lines[j]);
    const depth = m[1].length;
    stack.length = depth;
    stack[depth] = m[4];
    if (Number(m[2]) !== 0) continue;
    let who = '(below threshold)';
    for (let d = 1; d <= depth; d++) {
      const fn = stack[d].replace(/^0x[0-9A-F]+: /, '').replace(/ \(.*$/, '');
      if (!WRAPPER.test(fn)) { who = fn; break; }
    }
    byCaller.set(who, (byCaller.get(who) ?? 0) + Number(m[3]));
  }
  break;
}
if (found === null) throw new Error('no such snapshot');
console.log(`snapshot ${found.n} (instr ${found.time}): heap ${found.heap} B, malloc overhead ${found.extra} B`);
for (const [who, b] of [...byCaller].sort((a, b) => b[1] - a[1])) if (b > 20000) console.log(`${String(b).padStart(10)}  ${who}`);
if (dir) rmSync(dir, { recursive: true, force: true });
