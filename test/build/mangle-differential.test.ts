// The names scripts/mangle-props.mjs mangles by name (internalNames) and its postMinify rewrites
// (`this` aliases, hoisted literals) must not change what the agent does. A name that is in fact
// a data key (a JSON field read or written, a config or ubus key, a CLI option) only breaks at
// run time, and only on the path that uses it; a case module run under qjs does not see it when
// the test itself is mangled the same way (`JSON.parse(out).path` reads the mangled name too).
// So: the real dist/netledger.js and a control bundle built the same way but with only the `_`
// suffix mangled and no postMinify run the same commands under qjs; stdout, stderr and the exit
// code must be identical, byte for byte.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { build } from 'esbuild';
import { ROOT, QJS, BUNDLE, fixturePath } from '../support/engines';
// @ts-expect-error: a plain .mjs module shared with scripts/build.mjs (no types)
import { qjsBundleOptions } from '../../scripts/qjs-bundle.mjs';
import { encodeBatch } from '../../src/codec/batch';
import { toHex } from '../../src/codec/cbor';
import { dnsCorpus } from '../codec/corpus';
import { fakeFlow } from '../pipeline/factories';
import type { NetEvent } from '../../src/events';

let dir = '';
let control = '';
const FX = (n: string): string => fixturePath(n);

before(async () => {
  const r = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  dir = mkdtempSync(join(tmpdir(), 'nl-mangle-diff-'));
  control = join(dir, 'control.js');
  // scripts/build.mjs's qjs build, less internalNames and postMinify
  await build({ ...qjsBundleOptions(ROOT), outfile: control, mangleProps: /[^_]_$/, sourcemap: false, logLevel: 'error' });
  writeFileSync(join(dir, 'full.uci'), [
    "config conntrack 'flows'", "\toption interim_interval '1'", "\toption max_flows '256'",
    "config pdns 'pdns'", "\toption window '60'", "\toption max_records '64'",
    "config join 'join'", "\toption max_answers '256'", "\toption answer_ttl '10'",
    "config bypass 'bypass'", "\tlist allow '198.51.100.53'",
    "config agent 'agent'", "\toption sensor_id 'lab-1'",
    '',
  ].join('\n'));
  writeFileSync(join(dir, 'bad.uci'), [
    "config agent 'agent'", "\toption sensor_id 'bad id!'", "\toption path 'x'", "\toption start '1'",
    "config conntrack", "\toption max_flows '99999999'", "\toption options 'x'", "\tlist timeout 'y'",
    "config sections 'path'", "\toption topic 'x'",
    "config mqtt 'mqtt'", "\toption enabled '1'", "\toption url 'ftp://x'", "\toption retain 'x'",
    'junk line',
    '',
  ].join('\n'));
  writeFileSync(join(dir, 'ioc.json'), JSON.stringify({
    source: 'diff', version: 3,
    domains: ['www.shop.test', { indicator: 'cdn.shop.test', ref: 'r1' }, { indicator: 7 }, 'bad..name'],
    ips: ['198.51.100.80', { indicator: '2001:db8:2::/48', ref: 'r2' }, 'nope'],
  }));
  // a status file with every field the rpcd status method reads, plus names that are mangled
  const state = join(dir, 'state');
  spawnSync('mkdir', ['-p', state]);
  writeFileSync(join(state, 'status.json'), JSON.stringify({
    format: 1, sensor: 's', version: '0.1.0', pid: 1, started: 1, updated: 9999999999, interval: 10, // age 0 in both runs
    config_file: '/etc/config/netledger', config_hash: 'h', restart_pending: ['path'],
    sources: { dnsmasq: { state: 'running', lines: 3, restarts: 0, path: 'x' } },
    streams: { dns: { enabled: true, events: 1 } }, counters: { start: 1, path: 2, inc: 3 },
    dropped: { drop: { count: 1, sample: 'x' } }, mqtt: { state: 'disabled', inflight: 0, batches_sent: 0 },
    spool: { enabled: false, bytes: 0, batches: 0, max_bytes: 1 }, memory: { rss_kb: 1, budget_kb: 2 },
    options: 1, timeout: 2,
  }));
  writeFileSync(join(dir, 'status.uci'), `config agent 'agent'\n\toption state_dir '${state}'\n`);
  const dns = dnsCorpus(7, 40) as NetEvent[];
  const flows = [fakeFlow({ ts: 1.5 }), fakeFlow({ ts: 2.25, dir: 'lan' })] as NetEvent[];
  const b = (stream: string, seq: number, events: NetEvent[]) => encodeBatch({ sensor: 'rtr1', boot: 'b1', seq, stream, events });
  writeFileSync(join(dir, 'batches.hex'), [toHex(b('dns', 0, dns.slice(0, 20))), toHex(b('flow', 0, flows)),
    toHex(b('dns', 0, dns.slice(0, 20))), toHex(b('dns', 1, dns.slice(20))), 'zz'].join('\n') + '\n');
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const BASIC = ['--dnsmasq', FX('lab-basic/dnsmasq-extra.log'), '--conntrack', FX('lab-basic/conntrack-events.txt'),
  '--leases', FX('lab-basic/dhcp.leases'), '--proc-snapshot', FX('lab-basic/nf_conntrack.snapshot'), '--year', '2026'];

const RUNS: [string, () => string[], string?][] = [
  ['replay lab-basic', () => ['replay', ...BASIC, '--sensor', 'lab']],
  ['replay lab-basic, interim, pdns, bypass, join caps, ioc', () => ['replay', ...BASIC, '--config', join(dir, 'full.uci'), '--ioc', join(dir, 'ioc.json')]],
  ['replay lab-basic classic log, routers and LANs given', () => ['replay', '--dnsmasq', FX('lab-basic/dnsmasq-classic.log'),
    '--conntrack', FX('lab-basic/conntrack-events.txt'), '--year', '2026', '--router', '192.0.2.1', '--lan', '192.0.2.0/24', '--utc-offset', '+01:00']],
  ['replay logread framing', () => ['replay', '--dnsmasq', FX('lab-basic/logread-extra.txt'), '--year', '2026']],
  ['replay lab-live', () => ['replay', '--dnsmasq', FX('lab-live/dnsmasq-extra.log'), '--conntrack', FX('lab-live/conntrack-events.txt'), '--year', '2026']],
  ['replay bad option values', () => ['replay', '--dnsmasq', FX('lab-basic/dnsmasq-extra.log'), '--lan', 'x/99', '--year', 'y']],
  ['replay unknown option', () => ['replay', '--path', 'x']],
  ['check-config valid', () => ['check-config', join(dir, 'full.uci')]],
  ['check-config invalid', () => ['check-config', join(dir, 'bad.uci')]],
  ['check-config missing file', () => ['check-config', join(dir, 'none.uci')]],
  ['decode --hex --dedupe', () => ['decode', '--hex', '--dedupe', join(dir, 'batches.hex')]],
  ['rpcd list', () => ['rpcd', 'list']],
  ['rpcd call config_check', () => ['rpcd', '--config', join(dir, 'bad.uci'), 'call', 'config_check'], '{}'],
  ['rpcd call status', () => ['rpcd', '--config', join(dir, 'status.uci'), 'call', 'status'], ''],
  ['rpcd call status, unknown argument', () => ['rpcd', '--config', join(dir, 'status.uci'), 'call', 'status'], '{"path":1}'],
  ['help', () => ['--help']],
  ['replay --help', () => ['replay', '--help']],
  ['version', () => ['version']],
];

const run = (bundle: string, args: string[], input?: string) => {
  const r = spawnSync(QJS, [bundle, ...args], { cwd: dir, input: input ?? '', encoding: 'utf8', maxBuffer: 64 << 20, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

for (const [name, args, input] of RUNS) {
  test(`mangled and postMinified bundle = control bundle under qjs: ${name}`, () => {
    const want = run(control, args(), input);
    const got = run(BUNDLE, args(), input);
    assert.ok(want.stdout.length + want.stderr.length > 0, 'the control printed something');
    assert.deepEqual(got, want);
  });
}
