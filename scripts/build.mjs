// Bundles the agent: dist/netledger.js for QuickJS (the deliverable) and
// dist/netledger.node.mjs for development under Node. Same core, different host adapter.
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { readFileSync, writeFileSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { mangleOptions, postMinify } from './mangle-props.mjs';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const common = {
  bundle: true,
  format: 'esm',
  target: 'es2022',
  sourcemap: 'linked',
  legalComments: 'none',
  define: { __NETLEDGER_VERSION__: JSON.stringify(pkg.version) },
  logLevel: 'warning',
};

// Built in a private folder and renamed into dist/ when whole: tests that rebuild run two at a
// time, and a reader must never see esbuild's output before postMinify, or half a file.
const tmp = `.dist-build-${process.pid}`; // beside dist/: the maps name sources relative to their folder
mkdirSync(tmp, { recursive: true });
mkdirSync('dist', { recursive: true });
await build({
  ...common,
  entryPoints: ['src/main.qjs.ts'],
  outfile: `${tmp}/netledger.js`,
  platform: 'neutral',
  minify: true,
  // QuickJS's built-in modules; everything else must be bundled.
  external: ['std', 'os'],
  // qjs decides "module or script" from the FIRST token only (JS_DetectModule): start with an import.
  banner: { js: 'import "std";' },
  // Node built-ins that dependencies reach for are answered by our own compat shims.
  alias: {
    buffer: './src/compat/buffer.ts',
    events: './src/compat/events.ts',
  },
  mainFields: ['module', 'main'],
  // Internal property names (suffix `_`, see mangle-props.mjs) get short names.
  ...mangleOptions,
  // The map is written next to it, without a sourceMappingURL comment: qjs does not read it.
  sourcemap: 'external',
  // qjs reads its source as UTF-8: non-ASCII characters need no \uXXXX escapes.
  charset: 'utf8',
  metafile: true,
}).then((r) => writeFileSync(`${tmp}/netledger.meta.json`, JSON.stringify(r.metafile)));
// `this` aliasing and constants (mangle-props.mjs); the metafile's bytes per module are from before.
await postMinify(`${tmp}/netledger.js`);

await build({
  ...common,
  entryPoints: ['src/main.node.ts'],
  outfile: `${tmp}/netledger.node.mjs`,
  platform: 'node',
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});

const raw = readFileSync(`${tmp}/netledger.js`);
const gz = gzipSync(raw, { level: 9 }).length;
writeFileSync(`${tmp}/size.json`, JSON.stringify({ raw: raw.length, gzip: gz }) + '\n');
for (const f of ['netledger.js.map', 'netledger.meta.json', 'netledger.node.mjs.map', 'netledger.node.mjs', 'netledger.js', 'size.json']) {
  renameSync(`${tmp}/${f}`, `dist/${f}`);
}
rmSync(tmp, { recursive: true, force: true });
console.log(`dist/netledger.js: ${raw.length} bytes, ${gz} gzip`);
