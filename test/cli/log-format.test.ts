// dnsmasq.log_format reaches the parser: `replay --config` and `run` under real qjs, on the lab
// captures. A forced framing reads its own lines as 'auto' does and counts the others as
// framing_mismatch; 'bare' reads stamp-less messages at the time of reading.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { QJS, BUNDLE, runQjs, fixturePath, readFixture } from '../support/engines';
import { agentConfig } from '../support/agent-config';

const FX = (n: string): string => fixturePath(`lab-basic/${n}`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
type Ev = Record<string, unknown>;
const events = (text: string): Ev[] => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Ev);
const dnsOf = (text: string): Ev[] => events(text).filter((e) => e.type === 'dns');
/** The messages of a framed log: what follows each line's first `]: `. */
const bareText = (framed: string): string => framed.split('\n').filter(Boolean).map((l) => l.slice(l.indexOf(']: ') + 3)).join('\n') + '\n';

function withDir(fn: (dir: string) => void | Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'nl-logfmt-'));
  return Promise.resolve(fn(dir)).finally(() => rmSync(dir, { recursive: true, force: true }));
}

function replay(dir: string, format: string, log: string) {
  const cfg = join(dir, `${format}.uci`);
  writeFileSync(cfg, `config dnsmasq 'dns'\n\toption log_format '${format}'\n`);
  const r = runQjs(['replay', '--dnsmasq', log, '--config', cfg, '--sensor', 'lab', '--year', '2026']);
  assert.equal(r.code, 0, r.stderr);
  return r;
}

test("replay --config: a forced framing reads its captures as 'auto' does; the other framing is counted, not read", () => withDir((dir) => {
  const lines = readFixture('lab-basic/logread-extra.txt').split('\n').filter(Boolean).length;
  const auto = replay(dir, 'auto', FX('logread-extra.txt'));
  assert.equal(dnsOf(auto.stdout).length, 17);
  assert.equal(replay(dir, 'logread', FX('logread-extra.txt')).stdout, auto.stdout);
  assert.equal(replay(dir, 'syslog', FX('dnsmasq-extra.log')).stdout, replay(dir, 'auto', FX('dnsmasq-extra.log')).stdout);

  const wrong = replay(dir, 'syslog', FX('logread-extra.txt'));
  assert.equal(wrong.stdout, '', 'no event from a logread capture read as syslog');
  assert.match(wrong.stderr, new RegExp(`skipped dnsmasq\\.framing_mismatch=${lines}\\b`));
  assert.match(replay(dir, 'logread', FX('dnsmasq-classic.log')).stderr, /skipped dnsmasq\.framing_mismatch=20\b/);
}));

test("replay --config: 'bare' reads stamp-less messages at the time of reading; framed lines are mismatches", () => withDir((dir) => {
  const log = join(dir, 'bare.log');
  writeFileSync(log, bareText(readFixture('lab-basic/dnsmasq-extra.log')));
  // 'auto' has no framing to read there
  assert.equal(dnsOf(replay(dir, 'auto', log).stdout).length, 0);
  const before = Math.floor(Date.now() / 1000);
  const r = replay(dir, 'bare', log);
  const after = Date.now() / 1000;
  const dns = dnsOf(r.stdout);
  assert.deepEqual(dns.map((e) => e.qname), dnsOf(replay(dir, 'syslog', FX('dnsmasq-extra.log')).stdout).map((e) => e.qname));
  assert.equal(dns.length, 17);
  for (const e of dns) assert.ok((e.ts as number) >= before && (e.ts as number) <= after && Number.isInteger(e.ts), `ts ${e.ts} is the reading second`);
  assert.match(r.stderr, /skipped none/);
  assert.match(replay(dir, 'bare', FX('dnsmasq-extra.log')).stderr, /skipped dnsmasq\.framing_mismatch=54\b/);
}));

test("run: log_format reaches the live parser ('bare' file input; a framed line is a mismatch)", { timeout: 120_000 }, () => withDir(async (dir) => {
  const cfg = join(dir, 'netledger');
  writeFileSync(join(dir, 'dnsmasq.log'), '');
  writeFileSync(cfg, agentConfig(dir, 'bare', { dns: "\toption log_format 'bare'", ubusLeases: false }));
  const agent = spawn(QJS, [BUNDLE, 'run', '--config', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  agent.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => agent.on('exit', (code) => r(code)));
  const out = join(dir, 'events.ndjson');
  const until = async (what: string, cond: () => boolean): Promise<void> => {
    for (const end = Date.now() + 20_000; !cond(); await sleep(50)) if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${stderr}`);
  };
  try {
    await until('the start', () => stderr.includes('started'));
    const framed = readFixture('lab-basic/dnsmasq-extra.log').split('\n').filter(Boolean);
    const before = Math.floor(Date.now() / 1000);
    appendFileSync(join(dir, 'dnsmasq.log'), bareText(framed.slice(0, 12).join('\n')) + framed[12] + '\n');
    await until('two dns events', () => existsSync(out) && dnsOf(readFileSync(out, 'utf8')).length >= 2);
    agent.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
    const dns = dnsOf(readFileSync(out, 'utf8'));
    assert.deepEqual(dns.map((e) => e.id), [1, 2]); // lines 1-12 hold queries 1-2
    assert.equal(dns[0].qname, 'www.shop.test');
    assert.ok(dns.every((e) => (e.ts as number) >= before && (e.ts as number) <= Date.now() / 1000), 'stamped by the host clock');
    assert.match(stderr, /dnsmasq\.framing_mismatch=1\b/);
  } finally {
    agent.kill('SIGKILL');
  }
}));
