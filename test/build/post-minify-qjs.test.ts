// postMinify (scripts/mangle-props.mjs) under the engine that runs the bundle: a module with the
// constructs where `var T=this` or a hoisted literal could differ from what it replaces (static
// blocks, field initialisers, arrows in them, derived classes and super, `arguments`, async and
// generator methods, object-literal accessors, `this` in an extends clause or a computed key,
// computed access by data, `in`, delete, optional element access, keywords touching a literal,
// hoisted names next to locals of every one-letter name), bundled and minified as the agent is,
// run by qjs before and after the rewrite: same output. alias-this.test.ts does the same under
// Node and checks the source map.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QJS } from '../support/engines';
// @ts-expect-error: a plain .mjs module shared with scripts/build.mjs (no types)
import { postMinify } from '../../scripts/mangle-props.mjs';

const SOURCE = `
const log = [];
const put = (...a) => log.push(a.map((x) => typeof x === 'function' ? 'fn' : x === undefined ? 'undefined' : x).join(':'));
class Base {
  static count = 0;
  static tag = 'base-tag';
  static { this.count += 1; this.ready = this.tag + this.count + this.name + this.count; }
  field = this.constructor.name;
  arrowField = () => this.n + this.n + this.n + this.n;
  constructor(n) { this.n = n; this.k = n * 2; this.list = [this.n, this.k]; this.args = 0; }
  viaArguments() { this.args = arguments.length; return [this.n, this.k, this.args, arguments[0], this.list.length].join(); }
  *gen() { yield this.n; yield this.k; yield* this.list; yield this.args; }
  async twice() { await null; const f = async () => this.n + this.k; return (await f()) + this.n + this.k; }
  nested() {
    const self = this;
    class K extends (this.n > 0 ? Object : Array) { [this.n > 0 ? 'pos' : 'neg']() { return 'k' + this.constructor.name; } }
    const o = { v: 5, get g() { return this.v + this.v + this.v + this.v; }, set g(x) { this.v = x + this.v + this.v + this.v; } };
    o.g = 1;
    function plain() { return this === undefined ? 'no-this' : typeof this; }
    return [new K().pos(), o.g, plain(), plain.call(this) === 'object', self === this, this.n, this.k, this.field].join();
  }
  byData(key, o) {
    // keys from data: computed access, in, delete, optional element access
    const m = { 'alpha-key': this.n, 'beta-key': this.k, alpha: this.n };
    const had = key in m;
    const v = m[key];
    delete m['alpha-key'];
    return [had, v, 'alpha-key' in m, m?.['beta-key'], o?.['alpha-key'] ?? 'none', Object.keys(m).join('+'), JSON.stringify(m)].join();
  }
}
class Derived extends Base {
  extra = this.n + 1;
  constructor(n) { super(n); this.d = this.n + this.k + this.extra + this.list.length; }
  viaArguments() { return 'd' + super.viaArguments(7, 8) + this.d + this.d + this.d; }
  static make() { return new this(3).d + this.count + this.tag + this.ready; }
}
function keywords(x, T, Q, Z, Y, X, W, V, U, K, J, G, H, F, E, D, C, B, A) {
  // every alias name a local: a function reading this 4 times gets none, or a free name
  const q = this === undefined ? 'u' : this.a + this.a + this.a + this.a + T + A;
  switch (typeof x) {
    case 'string': return 'alpha-key' in { 'alpha-key': 1 } ? q + 'string' + 'alpha-key' : void 0;
    case 'number': return typeof x == 'number' ? 'number' + q : void 0;
    default: return x === void 0 ? 'alpha-key' + q : void 0;
  }
}
export async function run() {
  const b = new Base(2);
  put(Base.ready, Base.count, b.field, b.arrowField(), b.viaArguments(1, 2, 3), [...b.gen()].join('/'), await b.twice());
  put(b.nested(), b.byData('alpha-key', { 'alpha-key': 'x' }), b.byData('beta-key'), b.byData('constructor'), b.byData('__proto__'));
  const d = new Derived(4);
  put(d.d, d.extra, d.field, d.viaArguments(), Derived.make(), d.nested(), d.byData('alpha'));
  put(keywords.call({ a: 1 }, 's', 't', 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 'a'), keywords.call({ a: 2 }, 3), keywords.call({ a: 3 }), keywords(null));
  return log.join('\\n');
}
`;

const ENTRY = `import { run } from './src.js';\nrun().then((s) => print(s), (e) => print('ERROR ' + e + '\\n' + e.stack));\n`;

test('postMinify: the same output under qjs before and after, on the constructs where a rewrite could differ', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'post-minify-qjs-'));
  try {
    writeFileSync(join(dir, 'src.js'), SOURCE);
    writeFileSync(join(dir, 'entry.js'), ENTRY);
    const outs = ['plain.js', 'rewritten.js'].map((f) => join(dir, f));
    for (const outfile of outs) {
      await build({
        entryPoints: [join(dir, 'entry.js')], outfile, bundle: true, format: 'esm', target: 'es2022', platform: 'neutral',
        minify: true, sourcemap: 'external', logLevel: 'error', banner: { js: 'import "std";' }, external: ['std', 'os'],
      });
    }
    const r = await postMinify(outs[1]);
    assert.ok(r.functions >= 8, `functions rewritten: ${r.functions}`);
    assert.ok(r.strings >= 2 && r.voids >= 3, `constants: ${r.strings} strings, ${r.voids} void 0`);
    const rewritten = readFileSync(outs[1], 'utf8');
    assert.match(rewritten, /static\{var [A-Za-z$_]=this;|static\{[^}]*this\.count/, 'the static block is there');
    const runQ = (f: string) => spawnSync(QJS, [f], { encoding: 'utf8', timeout: 60_000 });
    const a = runQ(outs[0]);
    const b = runQ(outs[1]);
    assert.equal(a.status, 0, a.stderr);
    assert.ok(!a.stdout.includes('ERROR'), a.stdout);
    assert.ok(a.stdout.includes('no-this') && a.stdout.includes('stringalpha-key'), a.stdout);
    assert.equal(b.stderr, a.stderr);
    assert.equal(b.stdout, a.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// The hoisted literals are declared after the LEADING imports: an import further down (a bench
// harness bundle has one after code) is hoisted by the engine, but a declaration placed after it
// would run after the code above it, which would then read undefined.
test('postMinify: hoisted literals are declared before code that precedes a later import', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'post-minify-qjs-'));
  try {
    const file = join(dir, 'late-import.js');
    writeFileSync(file, 'import "std";\nvar t={a:"alpha-key",b:"alpha-key",c:"alpha-key",d:"alpha-key"};\nimport*as s from"std";\nprint(t.a+t.d+typeof s.loadFile);\n');
    writeFileSync(file + '.map', JSON.stringify({ version: 3, sources: [], names: [], mappings: '' }));
    const r = await postMinify(file);
    assert.ok(r.strings >= 1, `constants: ${r.strings} strings`);
    const text = readFileSync(file, 'utf8');
    assert.ok(text.indexOf('"alpha-key"') < text.indexOf('var t='), text);
    const q = spawnSync(QJS, [file], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(q.stderr, '');
    assert.equal(q.stdout, 'alpha-keyalpha-keyfunction\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
