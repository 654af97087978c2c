// Bundles the agent: dist/netledger.js for QuickJS (the deliverable) and
// dist/netledger.node.mjs for development under Node. Same core, different host adapter.
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
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

mkdirSync('dist', { recursive: true });
await build({
  ...common,
  entryPoints: ['src/main.qjs.ts'],
  outfile: 'dist/netledger.js',
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
}).then((r) => writeFileSync('dist/netledger.meta.json', JSON.stringify(r.metafile)));
// `this` aliasing and constants (mangle-props.mjs); the metafile's bytes per module are from before.
await postMinify('dist/netledger.js');

await build({
  ...common,
  entryPoints: ['src/main.node.ts'],
  outfile: 'dist/netledger.node.mjs',
  platform: 'node',
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});

const raw = readFileSync('dist/netledger.js');
const gz = gzipSync(raw, { level: 9 }).length;
writeFileSync('dist/size.json', JSON.stringify({ raw: raw.length, gzip: gz }) + '\n');
console.log(`dist/netledger.js: ${raw.length} bytes, ${gz} gzip`);
