#!/usr/bin/env node
// Peak RSS of the real qjs bundle replaying a full join table next to 20,000 open flows (issue 3):
// bundles src/main.qjs.ts to a temporary file (as scripts/build.mjs does, so dist/ is left alone),
// generates 50,000 joinable answers (bench-join-dns.mjs) and --lines conntrack events with about
// 20,000 flows open (gen-conntrack.mjs), then replays: nothing, DNS (join on), conntrack only, both.
//   node scripts/bench/join-replay-mem.mjs [--lines 200000] [--bundle dist/netledger.js]
// 'both-nopdns' is 'both' with the pdns stream off (its table is not the join's).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { ROOT, QJS, measure, replaySummary } from './bench-lib.mjs';
import { buildQjsBundle } from '../qjs-bundle.mjs';

const args = process.argv.slice(2);
const opt = (n, d) => { const i = args.indexOf(n); return i >= 0 ? args[i + 1] : d; };
const dir = mkdtempSync(join(tmpdir(), 'nl-joinreplay-'));
let bundle = opt('--bundle', undefined);
if (bundle === undefined) {
  bundle = join(dir, 'netledger.js');
  await buildQjsBundle(bundle, ROOT);
}
const gen = (script, extra) => {
  const r = spawnSync('node', [join(ROOT, 'scripts/bench', script), ...extra], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`${script}: ${r.stderr}`);
  return r.stdout;
};
const dns = join(dir, 'join.log');
const ct = join(dir, 'ct.txt');
const empty = join(dir, 'empty.txt');
writeFileSync(dns, gen('bench-join-dns.mjs', ['--answers', '50000', '--seed', '1']));
const noPdns = join(dir, 'nopdns.uci');
writeFileSync(noPdns, "config streams 'streams'\n\toption pdns '0'\n");
writeFileSync(ct, gen('gen-conntrack.mjs', ['--lines', opt('--lines', '200000'), '--concurrent', '20000', '--seed', '1']));
writeFileSync(empty, '');
const LAN = ['--lan', '192.0.2.0/24', '--lan', '2001:db8:1::/64', '--year', '2026'];
// replay keeps no join without conntrack input: the DNS run gets an empty conntrack file
const runs = { empty: [empty, null], 'dns+join': [empty, dns], ct: [ct, null], both: [ct, dns], 'both-nopdns': [ct, dns, noPdns] };
const res = {};
for (const [name, [c, d, uci]] of Object.entries(runs)) {
  const argv = [QJS, bundle, 'replay', ...(uci ? ['--config', uci] : []), ...(c ? ['--conntrack', c] : []), ...(d ? ['--dnsmasq', d] : []), ...(c || d ? [] : ['--conntrack', empty]), ...LAN];
  const r = await measure(argv);
  if (r.status !== 0) throw new Error(`${name}: ${r.stderr.slice(-800)}`);
  res[name] = { peakRssKb: r.peakRssKb, cpuSec: r.cpuSec, summary: replaySummary(r.stderr).line };
  console.log(`${name}: peak ${(r.peakRssKb / 1024).toFixed(1)} MB, ${r.cpuSec} CPU-s  ${res[name].summary.slice(0, 400)}`);
}
rmSync(dir, { recursive: true, force: true });
