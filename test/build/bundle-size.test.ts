// The agent bundle against its size budget (issue 4: "150 kB minified with everything in it").
// Builds with scripts/build.mjs, as the release does, and prints the figure on every run.
//
// The budget is not met yet (see docs/dependencies.md, "Bundle budget"): that test is marked
// todo, so it reports without failing the run. Remove the todo once it passes. Meanwhile the
// ceiling test keeps the bundle from growing past today's size plus a little headroom; lower
// CEILING whenever the bundle shrinks. It was raised once, from 190,000 to 200,000, for the
// performance rounds of session 1 (hand-written NDJSON writers for dns, pdns and flow events, the
// typed-array join table, codec caches: ~12 kB of code; DNS replay went from 190k to ~100k
// instructions per line, the join from 10 MB to 4.7 MB for 50k answers),
// after trimming (client-only MQTT codec, #private members) won back 5.6 kB of it. Session 3
// brought it to 193.4 kB (shared helpers in src/compat/lang.ts, one codec path per job, cold
// validators as regexes): lowered to 196,000. Session 4 (internal names for deps, options and
// records across the cold modules; `this` aliasing and constants after esbuild, postMinify in
// scripts/mangle-props.mjs; method and member names mangled by name, internalNames there):
// 183.7 kB, lowered to 185,000. Session 5 raised it to 186,000 for the native line reading of
// src/host/quickjs-text.ts (+550 B: a conntrack line read through a pipe went from ~70,000 to
// ~5,800 instructions, a replayed file line from ~15,000). Session 6 took it to 164.1 kB (classes
// as closure factories, cold code folded into tables and shared helpers, docs-only option data
// out of the bundle; docs/dependencies.md, round 6): lowered to 165,000. Four options that were
// validated but never read, then wired, and replay's own spool directory removed: 164,988.
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
const CEILING = 165_000;

function built(): { raw: number; gzip: number } {
  const r = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, `build failed: ${r.stderr}`);
  const bytes = readFileSync(BUNDLE);
  const size = { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  console.log(`dist/netledger.js: ${size.raw} bytes (${size.gzip} gzip); budget ${BUDGET}, ceiling ${CEILING}`);
  return size;
}

const size = built();

test(`dist/netledger.js is within the ${BUDGET}-byte budget`, { todo: 'issue 4: over budget, see docs/dependencies.md' }, () => {
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
