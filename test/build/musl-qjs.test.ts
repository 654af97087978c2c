// The agent bundle under qjs built on musl (.tools/bin/qjs-musl, scripts/setup-musl.sh; the
// router's libc) prints exactly what it prints under the glibc qjs the other tests use: stdout,
// stderr and exit status, on the real lab captures, the CLI's error paths and the shipped config.
// The same for qjs-musl32 (scripts/setup-musl32.sh): a 32-bit (i386) build, where QuickJS
// NaN-boxes its values as on the 32-bit MIPS/ARM routers; a difference there (number formatting,
// hash order, integer overflow) would be a bug on those routers.
// Each engine is skipped when it is not built (both are optional: scripts/setup.sh builds neither).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, QJS, BUNDLE, fixturePath } from '../support/engines';

const ENGINES = [
  { name: 'qjs-musl', path: join(ROOT, '.tools/bin/qjs-musl'), setup: 'scripts/setup-musl.sh', elf: /interpreter: \/lib\/ld-musl-x86_64\.so\.1/, cls: 'ELF64' },
  { name: 'qjs-musl32', path: join(ROOT, '.tools/bin/qjs-musl32'), setup: 'scripts/setup-musl32.sh', elf: /interpreter: \S*\/ld-musl-i386\.so\.1/, cls: 'ELF32' },
];

const FX = (n: string): string => fixturePath(`lab-basic/${n}`);
const RUNS: Record<string, string[]> = {
  'replay, all lab captures': ['replay', '--dnsmasq', FX('dnsmasq-extra.log'), '--conntrack', FX('conntrack-events.txt'),
    '--leases', FX('dhcp.leases'), '--proc-snapshot', FX('nf_conntrack.snapshot'), '--sensor', 'lab', '--year', '2026'],
  'replay, dnsmasq classic log': ['replay', '--dnsmasq', FX('dnsmasq-classic.log'), '--year', '2026'],
  'replay, live lab dnsmasq log': ['replay', '--dnsmasq', fixturePath('lab-live/dnsmasq-extra.log'), '--year', '2026'],
  'replay, missing file': ['replay', '--dnsmasq', '/nonexistent/dnsmasq.log'],
  'replay, unknown option': ['replay', '--dnsmask', 'x'],
  version: ['version'],
  'check-config, shipped config': ['check-config', join(ROOT, 'openwrt/files/etc/config/netledger')],
};

// --strip-source as the init script starts the agent.
const run = (qjs: string, args: string[]) => {
  const r = spawnSync(qjs, ['--strip-source', BUNDLE, ...args], { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 60_000, cwd: ROOT });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
};

const version = (q: string): string => spawnSync(q, ['-h'], { encoding: 'utf8' }).stdout.split('\n')[0];

for (const e of ENGINES) {
  const skip = existsSync(e.path) ? false : `${e.path} is not built (run: bash ${e.setup})`;

  test(`${e.name} is a musl binary of the same QuickJS version`, { skip }, () => {
    const bare = spawnSync(e.path, ['-e', ''], { encoding: 'utf8' });
    assert.equal(bare.status, 0, `${e.name} does not start (musl's loader missing? run: bash ${e.setup}): ${bare.error ?? bare.stderr}`);
    assert.match(spawnSync('readelf', ['-l', e.path], { encoding: 'utf8' }).stdout, e.elf, `${e.name} must be linked against musl`);
    assert.match(spawnSync('readelf', ['-h', e.path], { encoding: 'utf8' }).stdout, new RegExp(`Class:\\s+${e.cls}`));
    assert.equal(version(e.path), version(QJS));
  });

  for (const [name, args] of Object.entries(RUNS)) {
    test(`${e.name} prints what qjs prints: ${name}`, { skip }, () => {
      const g = run(QJS, args);
      const m = run(e.path, args);
      assert.equal(g.signal, null, g.stderr);
      assert.ok(g.stdout.length + g.stderr.length > 0, 'the glibc run printed nothing: nothing was compared');
      assert.equal(m.stdout, g.stdout);
      assert.equal(m.stderr, g.stderr);
      assert.equal(m.code, g.code);
    });
  }
}
