// The agent bundle against its size budget (issue 4: "150 kB minified with everything in it").
// Builds with scripts/build.mjs, as the release does, and prints the figure on every run.
//
// The budget has been met since session 7 (147,645 B; docs/dependencies.md, "Bundle budget",
// round 7). Until then it was a todo, and a ceiling kept the bundle from growing: raised once,
// from 190,000 to 200,000, for the performance rounds of session 1 (hand-written NDJSON writers,
// the typed-array join table, codec caches: DNS replay from 190k to ~100k instructions per line);
// then lowered session by session as code was trimmed (196,000; 185,000; raised to 186,000 in
// session 5 for the native line reading of src/host/quickjs-text.ts, +550 B for ~65,000 fewer
// instructions a conntrack line read through a pipe; 165,000 in session 6). Session 7's round,
// the per-line modules included, took it to 147.6 kB, and the review's fixes (decode's limits on
// hostile batches, log_level on reload, two regressions) to 147.9, and four defects fixed after
// it (ioc address indicators in one prefix table, one online status in flight, connection
// attempts reset by the broker's first packet, follow() seeing a file rewritten under its read
// position) to 148.4: the ceiling went from 148,500 to 149,000; agent.memory_budget's alert and
// log_level debug's drop log, two options that did less than their help said, to 148.8; one
// CIDR lookup instead of two and a UTF-8 wrapper removed, 148.6. It stays below the budget so
// the room that is left goes to fixes: a feature needs cuts first, or a raised ceiling with the
// reason written here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ROOT, BUNDLE, QJS } from '../support/engines';
// @ts-expect-error: a plain .mjs module shared with scripts/build.mjs (no types)
import { internalNames } from '../../scripts/mangle-props.mjs';

const BUDGET = 150_000;
const CEILING = 149_000;

function built(): { raw: number; gzip: number } {
  const r = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, `build failed: ${r.stderr}`);
  const bytes = readFileSync(BUNDLE);
  const size = { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  console.log(`dist/netledger.js: ${size.raw} bytes (${size.gzip} gzip); budget ${BUDGET}, ceiling ${CEILING}`);
  return size;
}

const size = built();

test(`dist/netledger.js is within the ${BUDGET}-byte budget`, () => {
  assert.ok(size.raw <= BUDGET, `${size.raw} bytes > ${BUDGET} (over by ${size.raw - BUDGET})`);
});

test(`dist/netledger.js does not grow past ${CEILING} bytes`, () => {
  assert.ok(size.raw <= CEILING, `${size.raw} bytes > ${CEILING}: find what grew in dist/netledger.meta.json`);
});

test('the bundle starts with the import qjs needs to load it as a module', () => {
  assert.ok(readFileSync(BUNDLE, 'utf8').startsWith('import "std";'));
});

// scripts/mangle-props.mjs: names ending in one `_` (and the listed internalNames) are internal and
// get short names, but only
// where esbuild sees them as property names. A quoted one (`o['x_']`, `'x_' in o`) stays as written
// while every other use is renamed, which breaks only the qjs bundle: none may survive.
test('no internal (_-suffixed or listed) property name survives in the bundle as an access or a key', () => {
  const text = readFileSync(BUNDLE, 'utf8');
  const name = String.raw`([A-Za-z$](?:[\w$]*[A-Za-z0-9$])?_|${internalNames.join('|')})`;
  // accesses and keys outside string literals (counter names like "dns.timeout" are text)
  const code = text.replace(/"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/g, '""');
  const access = new RegExp(String.raw`[.]${name}(?![\w$])|[{,]${name}:`, 'g');
  const tested = new RegExp(String.raw`["']${name}["']\s*in\b`, 'g');
  const left = [...code.matchAll(access), ...text.matchAll(tested)].map((m) => m[1] ?? m[2]);
  assert.deepEqual([...new Set(left)], [], 'quoted internal names in src/ (spell them unquoted)');
});

// The listed names are mangled wherever they occur: none may be a member of what qjs provides
// (std, os, their FILE objects, the builtins), or calls to it would be renamed too.
test('no listed internal name is a std/os or builtin member', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nl-names-'));
  try {
    const prog = join(dir, 'names.js');
    writeFileSync(prog, `import * as std from 'std'; import * as os from 'os';
const names = new Set();
const add = (o) => { for (; o; o = Object.getPrototypeOf(o)) for (const n of Object.getOwnPropertyNames(o)) names.add(n); };
const f = std.open('/dev/null', 'r');
for (const o of [std, os, f, globalThis, new Uint8Array(1), new DataView(new ArrayBuffer(1)), new Map(), new Set(), [], 'x', 1,
  Promise.resolve(), new Error('x'), /x/, new Date(0), (function* () {})(), Object, Array, String, Number, Math, JSON, Date,
  Promise, Uint8Array, ArrayBuffer, RegExp, Error, Symbol, Reflect, Map, Set, BigInt]) { add(o); add(o?.prototype); }
f.close();
std.out.puts(JSON.stringify([...names]));`);
    const r = spawnSync(QJS, ['-m', prog], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const provided = new Set(JSON.parse(r.stdout) as string[]);
    assert.ok(provided.has('setReadHandler') && provided.has('charCodeAt'), 'the list reaches std/os and the builtins');
    assert.deepEqual(internalNames.filter((n: string) => provided.has(n)), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
