// The rewrites of scripts/build.mjs after esbuild (postMinify in scripts/mangle-props.mjs): a module
// bundled and minified as the agent is, run before and after them, must give the same results in
// every place where `this` differs from a plain local (arrows, nested functions and classes,
// default parameters, derived constructors, accessors, statics, names already in use) and where a
// string literal or `void 0` differs from a variable (keys, keywords touching it, directives), and
// its source map must still point at the same code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build } from 'esbuild';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
// @ts-expect-error: a plain .mjs module shared with scripts/build.mjs (no types)
import { postMinify, decodeMappings } from '../../scripts/mangle-props.mjs';

const SOURCE = `
export class Base {
  constructor(n) { this.n = n; this.k = 2; this.seen = []; this.seen.push(this.n * this.k); }
  sum(extra = this.n) { const T = 1, Q = 2; return this.n + this.k + extra + T + Q + this.seen.length + this.twice(); }
  twice() { return this.n * 2 + this.k * 2 + this.seen[0] + (this.n > 0 ? this.k : 0); }
  arrows() { const f = () => this.n + this.k; const g = () => [this.n, this.k].map((x) => x + this.k); return f() + g()[1]; }
  nested() {
    const self = this;
    function inner() { return this === undefined ? 'undefined this' : 'bound'; }
    const o = { n: 100, get() { return this.n + self.n; } };
    class Inner { constructor() { this.tag = 'inner'; } name() { return this.tag + this.tag + this.tag + this.tag; } }
    return [inner(), inner.call({}), o.get(), new Inner().name(), this.n, this.k, this.n + this.k].join(',');
  }
  get total() { return this.n + this.k + this.n * this.k + this.seen.length; }
  set total(v) { this.n = v; this.k = v; this.seen = [v]; this.seen.push(this.n + this.k); }
  static make(n) { const b = new this(n); this.made = (this.made ?? 0) + 1; return [b.sum(), this.made, this.name, this === Base]; }
  *gen() { yield this.n; yield this.k; yield this.n + this.k; yield this.seen.length; }
  async later() { await null; return this.n + this.k + this.n + this.k; }
}
export class Derived extends Base {
  constructor(n) { super(n); this.d = this.n + this.k + this.seen.length + this.twice(); }
  twice() { return super.twice() + this.d0() + this.d0() + this.d0() + this.d0(); }
  d0() { return 1; }
}
const KINDS = { 'kind-a': 'alpha', 'kind-b': 'alpha', kind: 'alpha' };
function classify(x, o) {
  switch (typeof x) {
    case 'string': return 'string' in o ? o['string'] + 'string' : 'alpha' + 'string';
    case 'number': return typeof o.n == 'number' ? 'number' : void 0;
    default: return x === void 0 ? 'alpha' : void 0;
  }
}
function keys({ 'kind-a': a, 'kind-b': b }) { return [a, b, KINDS['kind-a'], KINDS.kind, 'kind-a', 'kind-b'].join(); }
export async function run() {
  const b = new Base(3);
  const out = [b.sum(), b.sum(10), b.twice(), b.arrows(), b.nested(), b.total];
  b.total = 7;
  out.push(b.total, ...Base.make(4), [...b.gen()].join('/'), await b.later());
  const d = new Derived(5);
  out.push(d.d, d.sum(), d.twice(), Derived.make(6).join('|'));
  out.push(classify('x', { string: 'S' }), classify('x', {}), classify(1, { n: 2 }), classify(1, {}), classify(undefined, {}), classify(null, {}));
  out.push(keys(KINDS), void 0 === undefined, [void 0].length);
  return JSON.stringify(out);
}
`;

test('aliasing `this` keeps what a bundled module computes, and its source map', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'alias-this-'));
  try {
    writeFileSync(join(dir, 'src.js'), SOURCE);
    const outs = ['plain.mjs', 'aliased.mjs'].map((f) => join(dir, f));
    for (const outfile of outs) {
      await build({ entryPoints: [join(dir, 'src.js')], outfile, bundle: true, format: 'esm', target: 'es2022', minify: true, sourcemap: 'external', logLevel: 'error' });
    }
    const r = await postMinify(outs[1]);
    const plain = readFileSync(outs[0], 'utf8');
    const aliased = readFileSync(outs[1], 'utf8');
    assert.ok(r.functions >= 6, `functions rewritten: ${r.functions}`);
    assert.equal(r.saved, plain.length - aliased.length);
    assert.ok(r.saved > 0);
    assert.match(aliased, /var [A-Za-z$_]=this;/);
    assert.ok(r.strings >= 3 && r.voids >= 4, `constants: ${r.strings} strings, ${r.voids} void 0`);
    assert.doesNotMatch(aliased, /void 0/);
    const a = await (await import(pathToFileURL(outs[0]).href)).run();
    const b = await (await import(pathToFileURL(outs[1]).href)).run();
    assert.equal(b, a);
    assert.ok(a.includes('undefined this') && a.includes('bound'), a);

    // Every mapping still points at the same text (an aliased `this` at its alias).
    const segs = (f: string, code: string): [number, number, number, number][] => {
      const starts = [0];
      for (let i = 0; i < code.length; i++) if (code[i] === '\n') starts.push(i + 1);
      const m = JSON.parse(readFileSync(f + '.map', 'utf8')).mappings;
      return decodeMappings(m).map((x: number[]) => [starts[x[0]] + x[1], x[2], x[3], x[4]]);
    };
    const before = segs(outs[0], plain);
    const after = segs(outs[1], aliased);
    assert.equal(after.length, before.length);
    let aliasedThis = 0;
    for (let i = 0; i < before.length; i++) {
      assert.deepEqual(after[i].slice(1), before[i].slice(1), `segment ${i}: same source position`);
      const was = plain.slice(before[i][0], before[i][0] + 4);
      const now = aliased.slice(after[i][0], after[i][0] + 4);
      if ((was === 'this' || was[0] === '"' || was === 'void') && now !== was) aliasedThis++;
      else assert.equal(now[0], was[0], `segment ${i}: ${JSON.stringify(was)} became ${JSON.stringify(now)}`);
    }
    assert.ok(aliasedThis > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
