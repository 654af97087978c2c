// Runs test/host/stdio-program.ts as a real process under each host: stdin lines (push and
// pull), stdout flushing at exit, exit codes, args, and a child with no pipes.
import { test } from 'node:test';
import { deepStrictEqual, strictEqual } from 'node:assert';
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { QJS, ROOT } from '../support/engines';

const dir = mkdtempSync(join(tmpdir(), 'nl-stdio-'));
const program = join(ROOT, 'test/host/stdio-program.ts');

async function bundle(kind: 'quickjs' | 'node'): Promise<string[]> {
  const entry = join(dir, `entry-${kind}.ts`);
  const host = join(ROOT, `src/host/${kind}.ts`);
  const factory = kind === 'quickjs' ? 'createQuickJsHost' : 'createNodeHost';
  writeFileSync(entry, `import { ${factory} } from ${JSON.stringify(host)};\nimport { runStdioProgram } from ${JSON.stringify(program)};\nrunStdioProgram(${factory}());\n`);
  const outfile = join(dir, `${kind}.mjs`);
  await build({ entryPoints: [entry], outfile, bundle: true, format: 'esm', target: 'es2020', logLevel: 'error', ...(kind === 'quickjs' ? { platform: 'neutral', external: ['std', 'os'] } : { platform: 'node' }) });
  return kind === 'quickjs' ? [QJS, outfile] : [process.execPath, outfile];
}

function run(cmd: string[], args: string[], input?: Buffer): { code: number | null; out: string[]; err: string } {
  const r = spawnSync(cmd[0], [...cmd.slice(1), ...args], { input, maxBuffer: 64 << 20, timeout: 60_000 });
  return { code: r.status, out: r.stdout.toString('utf8').split('\n').filter((l) => l !== ''), err: r.stderr.toString('utf8') };
}

const input = Buffer.concat([
  Buffer.from('first\r\nsecond\n'),
  Buffer.from([0x62, 0x61, 0x64, 0xff, 0x0a]),
  Buffer.from('L'.repeat(70000) + '\n'),
  Buffer.from('no newline at end'),
]);

for (const kind of ['quickjs', 'node'] as const) {
  test(`${kind}: stdinLines pushes lines, repairs UTF-8, cuts long lines, ends with onEnd`, async () => {
    const r = run(await bundle(kind), ['stdin'], input);
    strictEqual(r.code, 3, r.err);
    deepStrictEqual(r.out.map((l) => JSON.parse(l)), [
      ['first\r', false], ['second', false], ['bad\ufffd', false], [`${'L'.repeat(10)}…65536`, true], ['no newline at end', false], 'END',
    ]);
  });

  test(`${kind}: openLines('-') pulls the same lines synchronously`, async () => {
    const r = run(await bundle(kind), ['pull'], input);
    strictEqual(r.code, 0, r.err);
    deepStrictEqual(r.out.map((l) => JSON.parse(l)), ['first\r', 'second', 'bad\ufffd', `${'L'.repeat(10)}…70000`, 'no newline at end', 'END']);
  });

  test(`${kind}: exit flushes every buffered stdout write and keeps the code`, async () => {
    const r = run(await bundle(kind), ['flood']);
    strictEqual(r.code, 4);
    strictEqual(r.out.length, 100000);
    strictEqual(r.out[99999], 'line 99999');
    strictEqual(r.err, 'to stderr\n');
  });

  test(`${kind}: args are what follows the script`, async () => {
    const r = run(await bundle(kind), ['args', '--x', 'ünï', '']);
    deepStrictEqual(JSON.parse(r.out[0]), ['--x', 'ünï', '']);
  });

  test(`${kind}: openLines names the file in its errors, also when stdin is closed and the file gets descriptor 0`, async () => {
    const cmd = await bundle(kind);
    for (const closed of [false, true]) {
      const r = spawnSync('sh', ['-c', `exec "$@"${closed ? ' <&-' : ''}`, 'sh', ...cmd, 'pull-error', dir], { timeout: 60_000 });
      strictEqual(r.status, 0, r.stderr.toString());
      const msg = JSON.parse(r.stdout.toString()) as string;
      strictEqual(msg.startsWith(`read ${dir}:`), true, `stdin ${closed ? 'closed' : 'open'}: ${msg}`);
    }
  });

  test(`${kind}: a callback that throws is reported with its error, an empty message by the error's name`, async () => {
    const r = run(await bundle(kind), ['throw'], Buffer.from('empty\nx\n'));
    strictEqual(r.code, 0, r.err);
    const heads = r.err.split('\n').filter((l) => l.startsWith('netledger: '));
    deepStrictEqual(heads, ['netledger: host: stdin onLine failed: Error', 'netledger: host: stdin onLine failed: bad x']);
  });

  test(`${kind}: a child with no pipes keeps the loop alive until it exits`, async () => {
    const cmd = await bundle(kind);
    const t0 = performance.now();
    const r = run(cmd, ['idle-child']);
    const ms = performance.now() - t0;
    strictEqual(r.code, 0, r.err);
    // sleep 0.2 plus start-up; a lingering reaper timer would add up to a second.
    strictEqual(ms < 900, true, `took ${ms.toFixed(0)} ms`);
    deepStrictEqual(r.out.map((l) => JSON.parse(l)), [{ code: 0, signal: null }]);
  });
}

test('cleanup', () => rmSync(dir, { recursive: true, force: true }));
