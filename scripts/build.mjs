// Bundles the agent: dist/netledger.js for QuickJS (the deliverable) and
// dist/netledger.node.mjs for development under Node. Same core, different host adapter.
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { readFileSync, writeFileSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { buildQjsBundle } from './qjs-bundle.mjs';

// Built in a private folder and renamed into dist/ when whole: tests that rebuild run two at a
// time, and a reader must never see esbuild's output before postMinify, or half a file.
const tmp = `.dist-build-${process.pid}`; // beside dist/: the maps name sources relative to their folder
mkdirSync(tmp, { recursive: true });
mkdirSync('dist', { recursive: true });
writeFileSync(`${tmp}/netledger.meta.json`, JSON.stringify(await buildQjsBundle(`${tmp}/netledger.js`)));

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
await build({
  entryPoints: ['src/main.node.ts'],
  bundle: true,
  format: 'esm',
  target: 'es2022',
  sourcemap: 'linked',
  legalComments: 'none',
  define: { __NETLEDGER_VERSION__: JSON.stringify(pkg.version) },
  logLevel: 'warning',
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
