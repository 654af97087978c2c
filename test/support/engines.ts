// Runs an engine-neutral cases module (see cases.ts) under Node's test runner AND under real
// qjs: the module is bundled by esbuild exactly as the agent is, then executed by .tools/bin/qjs.
// @ts-expect-error: a plain .mjs module shared with scripts/build.mjs (no types)
import { mangleOptions } from '../../scripts/mangle-props.mjs';
import { test } from 'node:test';
import { build } from 'esbuild';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join, resolve, relative } from 'node:path';
import { tmpdir } from 'node:os';
import type { Cases } from './cases';

export const ROOT = resolve(import.meta.dirname, '../..');
export const QJS = join(ROOT, '.tools/bin/qjs');
export const BUNDLE = join(ROOT, 'dist/netledger.js');
export const NODE_BUNDLE = join(ROOT, 'dist/netledger.node.mjs');

export function fixturePath(name: string): string {
  return join(ROOT, 'test/fixtures', name);
}

export function readFixture(name: string): string {
  return readFileSync(fixturePath(name), 'utf8');
}

/**
 * Registers every case twice: `node: <name>` run in this process, and `qjs: <module>` which
 * bundles `casesModule` (a path relative to the repo root) and runs all its cases under qjs.
 */
export function runCases(casesModule: string, cases: Cases, fixtures: string[] = []): void {
  const fx: Record<string, string> = {};
  for (const f of fixtures) fx[f] = readFixture(f);
  const ctx = {
    fixture(p: string): string {
      if (!(p in fx)) throw new Error(`fixture ${p} not declared to runCases`);
      return fx[p];
    },
  };
  for (const [name, fn] of Object.entries(cases)) {
    test(`node: ${name}`, async () => {
      await fn(ctx);
    });
  }
  test(`qjs: all ${Object.keys(cases).length} cases of ${casesModule}`, async () => {
    const failures = await runCasesUnderQjs(casesModule, fx);
    if (failures.length) throw new Error(`under qjs:\n${failures.join('\n')}`);
  });
}

/** Bundles a test entry for qjs the way the agent is bundled (neutral platform, std/os external). */
async function bundleForQjs(entry: string, dir: string): Promise<string> {
  const outfile = join(dir, 'bundle.js');
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    // as scripts/build.mjs bundles the agent: same target, same internal-name mangling, so the
    // cases run on the names the shipped bundle has
    target: 'es2022',
    ...mangleOptions,
    external: ['std', 'os'],
    logLevel: 'error',
    alias: { buffer: join(ROOT, 'src/compat/buffer.ts'), events: join(ROOT, 'src/compat/events.ts') },
    mainFields: ['module', 'main'],
    nodePaths: [join(ROOT, 'node_modules')],
  });
  return outfile;
}

async function runCasesUnderQjs(casesModule: string, fx: Record<string, string>): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'nl-qjs-'));
  try {
    const entry = join(dir, 'entry.ts');
    const modPath = relative(dir, join(ROOT, casesModule)).replace(/\\/g, '/').replace(/\.ts$/, '');
    writeFileSync(
      entry,
      `import { cases } from ${JSON.stringify(modPath)};
const fx = ${JSON.stringify(fx)};
const ctx = { fixture(p) { if (!(p in fx)) throw new Error('fixture ' + p + ' not declared'); return fx[p]; } };
(async () => {
  const out = [];
  for (const name of Object.keys(cases)) {
    try { await cases[name](ctx); out.push({ name, ok: true }); }
    catch (e) { out.push({ name, ok: false, err: String(e && e.message || e) + (e && e.stack ? '\\n' + e.stack : '') }); }
  }
  print('@@RESULTS@@' + JSON.stringify(out));
})();
`,
    );
    const outfile = await bundleForQjs(entry, dir);
    const r = spawnSync(QJS, [outfile], { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 120_000 });
    const idx = r.stdout.lastIndexOf('@@RESULTS@@');
    if (idx < 0) return [`qjs produced no results (exit ${r.status}, signal ${r.signal}): ${r.stderr}${r.stdout.slice(-2000)}`];
    const results = JSON.parse(r.stdout.slice(idx + 11).split('\n')[0]) as { name: string; ok: boolean; err?: string }[];
    return results.filter((x) => !x.ok).map((x) => `  ${x.name}: ${x.err}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the real agent bundle under qjs: `qjs dist/netledger.js ...args`. */
export function runQjs(args: string[], opts: { input?: string | Buffer; env?: Record<string, string>; timeoutMs?: number } = {}): RunResult {
  const r = spawnSync(QJS, [BUNDLE, ...args], {
    input: opts.input,
    encoding: 'utf8',
    env: { ...process.env, ...(opts.env ?? {}) },
    maxBuffer: 256 << 20,
    timeout: opts.timeoutMs ?? 120_000,
  });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/**
 * The same, without blocking the test's event loop (a subscriber or broker in the test must keep
 * reading meanwhile); killed after `timeoutMs`, so a hung agent fails its test, never the suite.
 */
export function runQjsAsync(args: string[], timeoutMs = 120_000): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(QJS, [BUNDLE, ...args]);
    let stderr = '';
    const guard = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.stderr.on('data', (d) => (stderr += d));
    p.on('exit', (code) => {
      clearTimeout(guard);
      resolve({ code, stderr });
    });
  });
}

/** The same CLI through the Node development bundle. */
export function runNode(args: string[], opts: { input?: string | Buffer; env?: Record<string, string>; timeoutMs?: number } = {}): RunResult {
  const r = spawnSync(process.execPath, [NODE_BUNDLE, ...args], {
    input: opts.input,
    encoding: 'utf8',
    env: { ...process.env, ...(opts.env ?? {}) },
    maxBuffer: 256 << 20,
    timeout: opts.timeoutMs ?? 120_000,
  });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Runs a cases module only under real qjs, as one node:test test. For modules that assemble
 * QuickJS-only dependencies themselves (e.g. `export const cases = contractCases(createQuickJsHost())`),
 * which Node cannot import. The bundle imports 'std'/'os', so qjs is told it is a module (-m):
 * esbuild's helpers come before the imports and would defeat qjs's module detection.
 */
export function runCasesQjsOnly(casesModule: string, fixtures: string[] = [], opts: { timeoutMs?: number; caseMs?: number } = {}): void {
  const caseMs = opts.caseMs ?? 30_000;
  const fx: Record<string, string> = {};
  for (const f of fixtures) fx[f] = readFixture(f);
  test(`qjs only: ${casesModule}`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'nl-qjs-only-'));
    try {
      const entry = join(dir, 'entry.ts');
      const modPath = relative(dir, join(ROOT, casesModule)).replace(/\\/g, '/').replace(/\.ts$/, '');
      writeFileSync(
        entry,
        `import { cases } from ${JSON.stringify(modPath)};
import * as os from 'os';
import * as std from 'std';
const fx = ${JSON.stringify(fx)};
const ctx = { fixture(p) { if (!(p in fx)) throw new Error('fixture ' + p + ' not declared'); return fx[p]; } };
const limit = ${caseMs};
(async () => {
  for (const name of Object.keys(cases)) {
    const t0 = os.now();
    let timer;
    const late = new Promise((_, rej) => { timer = os.setTimeout(() => rej(new Error('case timed out after ' + limit + ' ms')), limit); });
    let r;
    try { await Promise.race([Promise.resolve().then(() => cases[name](ctx)), late]); r = { name, ok: true }; }
    catch (e) { r = { name, ok: false, err: String(e && e.message || e) + (e && e.stack ? '\\n' + e.stack : '') }; }
    os.clearTimeout(timer);
    r.ms = os.now() - t0;
    print('@@CASE@@' + JSON.stringify(r));
    std.out.flush();
  }
  print('@@END@@');
  std.exit(0);
})();
`,
      );
      const outfile = await bundleForQjs(entry, dir);
      // --no-unhandled-rejection: this qjs aborts on any promise rejected before a handler is
      // attached, which includes `await f()` when async f throws before its first await.
      const r = spawnSync(QJS, ['--no-unhandled-rejection', '-m', outfile], { encoding: 'utf8', maxBuffer: 64 << 20, timeout: opts.timeoutMs ?? 300_000 });
      // One line per finished case, so a crash or hang still shows how far the run got.
      const results = r.stdout.split('\n').filter((l) => l.startsWith('@@CASE@@'))
        .map((l) => JSON.parse(l.slice(8)) as { name: string; ok: boolean; ms: number; err?: string });
      for (const x of results) t.diagnostic(`${x.ok ? 'ok  ' : 'FAIL'} ${x.ms.toFixed(0).padStart(6)} ms  ${x.name}`);
      if (!r.stdout.includes('@@END@@')) {
        throw new Error(`qjs stopped after ${results.length} case(s) (exit ${r.status}, signal ${r.signal}): ${r.stderr.slice(-4000)}${r.stdout.slice(-2000)}`);
      }
      const failures = results.filter((x) => !x.ok).map((x) => `  ${x.name}: ${x.err}`);
      if (failures.length) throw new Error(`under qjs:\n${failures.join('\n')}\nstderr:\n${r.stderr.slice(-4000)}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
