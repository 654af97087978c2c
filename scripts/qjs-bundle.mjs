// How the qjs agent bundle is built, in one place: scripts/build.mjs (dist/netledger.js), the
// benches that build a private bundle of a tree (a worktree for "before"), and the test that
// builds a variant of it (test/build/mangle-differential.test.ts).
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mangleOptions, postMinify } from './mangle-props.mjs';

/** esbuild's options for src/main.qjs.ts of the tree at `root`, all but the outfile. */
export function qjsBundleOptions(root = process.cwd()) {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return {
    absWorkingDir: root,
    entryPoints: ['src/main.qjs.ts'],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    platform: 'neutral',
    minify: true,
    legalComments: 'none',
    define: { __NETLEDGER_VERSION__: JSON.stringify(pkg.version) },
    // QuickJS's built-in modules; everything else must be bundled.
    external: ['std', 'os'],
    // qjs decides "module or script" from the FIRST token only (JS_DetectModule): start with an import.
    banner: { js: 'import "std";' },
    // Node built-ins that dependencies reach for are answered by our own compat shims.
    alias: { buffer: './src/compat/buffer.ts', events: './src/compat/events.ts' },
    mainFields: ['module', 'main'],
    // Internal property names (suffix `_`, and internalNames: see mangle-props.mjs) get short names.
    ...mangleOptions,
    // The map is written next to it, without a sourceMappingURL comment: qjs does not read it.
    sourcemap: 'external',
    // qjs reads its source as UTF-8: non-ASCII characters need no \uXXXX escapes.
    charset: 'utf8',
    logLevel: 'warning',
  };
}

/**
 * Builds the agent bundle of the tree at `root` to `outfile` (and outfile.map) as the release is
 * built: esbuild, then postMinify (`this` aliases, hoisted constants). Returns esbuild's metafile,
 * whose bytes per module are from before postMinify.
 */
export async function buildQjsBundle(outfile, root = process.cwd()) {
  const r = await build({ ...qjsBundleOptions(root), outfile, metafile: true });
  await postMinify(outfile);
  return r.metafile;
}
