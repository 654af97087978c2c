// The agent bundle under qjs built on musl (.tools/bin/qjs-musl, scripts/setup-musl.sh; the
// router's libc) prints exactly what it prints under the glibc qjs the other tests use: stdout,
// stderr and exit status, on the real lab captures, the CLI's error paths and the shipped config.
// Skipped when qjs-musl is not built (it is optional: scripts/setup.sh does not build it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, QJS, BUNDLE, fixturePath } from '../support/engines';

const QJS_MUSL = join(ROOT, '.tools/bin/qjs-musl');
const skip = existsSync(QJS_MUSL) ? false : `${QJS_MUSL} is not built (run: bash scripts/setup-musl.sh)`;

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

test('qjs-musl is a musl binary of the same QuickJS version', { skip }, () => {
  const elf = spawnSync('readelf', ['-l', QJS_MUSL], { encoding: 'utf8' }).stdout;
  const bare = spawnSync(QJS_MUSL, ['-e', ''], { encoding: 'utf8' });
  assert.equal(bare.status, 0, `qjs-musl does not start (musl's loader missing? run: bash scripts/setup-musl.sh): ${bare.error ?? bare.stderr}`);
  assert.match(elf, /interpreter: \/lib\/ld-musl-/, 'qjs-musl must be linked against musl');
  const version = (q: string): string => spawnSync(q, ['-h'], { encoding: 'utf8' }).stdout.split('\n')[0];
  assert.equal(version(QJS_MUSL), version(QJS));
});

for (const [name, args] of Object.entries(RUNS)) {
  test(`qjs-musl prints what qjs prints: ${name}`, { skip }, () => {
    const g = run(QJS, args);
    const m = run(QJS_MUSL, args);
    assert.equal(g.signal, null, g.stderr);
    assert.ok(g.stdout.length + g.stderr.length > 0, 'the glibc run printed nothing: nothing was compared');
    assert.equal(m.stdout, g.stdout);
    assert.equal(m.stderr, g.stderr);
    assert.equal(m.code, g.code);
  });
}
