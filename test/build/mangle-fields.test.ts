// esbuild mangles a class field declared in the class body (`x_ = 0;`, `declare x_: T;` emits
// none) but not the field a TypeScript parameter property declares (`constructor(readonly x_: T)`
// or `public x_: T` in the parameter list): with target es2022 the class gets `x_;` unmangled,
// while `this.x_ = x_` in the constructor is mangled. Each instance then has an extra own property
// left undefined under the unmangled name (bytes in the bundle, a slot per instance, and a wrong
// key for anything that lists the object's keys). The bundle must have no such declaration.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ROOT, BUNDLE } from '../support/engines';
// @ts-expect-error: a plain .mjs module shared with scripts/build.mjs (no types)
import { internalNames } from '../../scripts/mangle-props.mjs';

const r = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, encoding: 'utf8' });
assert.equal(r.status, 0, r.stderr);
const text = readFileSync(BUNDLE, 'utf8');
// string and template literals out of the way (counter names, messages)
const code = text.replace(/"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`/g, '""');
const name = String.raw`([A-Za-z$](?:[\w$]*[A-Za-z0-9$])?_|${internalNames.join('|')})`;
// a class field declaration: `{x_;` `;x_;` `}x_=` ... (a minified statement never starts so)
const fields = (): string[] => [...code.matchAll(new RegExp(String.raw`(?<=[{;}])${name}(?=[;}=])`, 'g'))].map((m) => m[1]);

test('no unmangled class field from a TS parameter property: HostError', () => {
  assert.ok(!fields().some((f) => f === 'path' || f === 'op' || f === 'errno'), 'HostError declares its fields with `declare`');
});

test('no unmangled class field from a TS parameter property, anywhere in the bundle', () => {
  assert.deepEqual(fields(), []);
});
