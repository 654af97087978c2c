// `netledger run` under real qjs without the namespace lab: a followed dnsmasq log file, the
// NDJSON file output, status.json, SIGHUP reloads (good and broken configs) and a clean stop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { QJS, BUNDLE, runQjs, readFixture } from '../support/engines';
import { agentConfig } from '../support/agent-config';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function config(dir: string, sensor: string, extra = ''): string {
  return agentConfig(dir, sensor, { extra });
}

async function until(what: string, cond: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function events(dir: string): Record<string, unknown>[] {
  const f = join(dir, 'events.ndjson');
  if (!existsSync(f)) return [];
  return readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** `run --config cfg` under qjs, once it says it started; its stderr so far, and its exit code. */
async function startAgent(cfg: string): Promise<{ agent: ChildProcess; stderr: () => string; exited: Promise<number | null> }> {
  const agent = spawn(QJS, [BUNDLE, 'run', '--config', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
  let text = '';
  agent.stderr.on('data', (d) => (text += d));
  const exited = new Promise<number | null>((r) => agent.on('exit', (code) => r(code)));
  const stderr = (): string => text;
  try {
    await until('the agent to start', () => stderr().includes('started'));
  } catch (e) {
    agent.kill('SIGKILL'); // not left running when it never started
    throw e;
  }
  return { agent, stderr, exited };
}

test('run: follows the log, reloads on SIGHUP (refusing a broken config), stops cleanly', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nl-run-'));
  const log = readFixture('lab-basic/dnsmasq-extra.log').split('\n');
  try {
    writeFileSync(join(dir, 'dnsmasq.log'), '');
    writeFileSync(join(dir, 'dhcp.leases'), `0 02:00:5e:10:00:0a 192.0.2.10 laptop-anna *\n`);
    const cfg = join(dir, 'netledger');
    writeFileSync(cfg, config(dir, 'first'));
    const { agent, stderr, exited } = await startAgent(cfg);

    appendFileSync(join(dir, 'dnsmasq.log'), log.slice(0, 12).join('\n') + '\n');
    await until('two dns events', () => events(dir).filter((e) => e.type === 'dns').length >= 2);
    const first = events(dir).filter((e) => e.type === 'dns');
    assert.equal(first[0].sensor, 'first');
    assert.equal(first[0].qname, 'www.shop.test');
    assert.equal(first[0].hostname, 'laptop-anna', 'leases are read');

    // A broken config is refused; the running agent keeps its config.
    writeFileSync(cfg, config(dir, 'first', "config bogus 'x'\n"));
    agent.kill('SIGHUP');
    await until('the refusal', () => stderr().includes('reload refused'));
    assert.match(stderr(), /unknown section type 'bogus'/);

    // A valid change replaces the pipeline: events after it carry the new sensor id, and its
    // log level applies (the new agent's info line 'started: ...' is not written under 'warn').
    assert.match(stderr(), /info: started: sensor first/);
    writeFileSync(join(dir, 'feed.txt'), 'evil.test\n');
    const second = config(dir, 'second', `config ioc 'ioc'\n\tlist feed '${join(dir, 'feed.txt')}'\n`)
      .replace("option status_interval '1'", "option status_interval '1'\n\toption log_level 'warn'");
    writeFileSync(cfg, second);
    agent.kill('SIGHUP');
    await until('the reload', () => stderr().includes('restarting the pipeline'));
    await sleep(500);
    appendFileSync(join(dir, 'dnsmasq.log'), log.slice(24, 30).join('\n') + '\n');
    await until('an event from the new config', () => events(dir).some((e) => e.sensor === 'second'));
    assert.doesNotMatch(stderr(), /started: sensor second/, 'log_level from the reloaded config');

    const status = JSON.parse(readFileSync(join(dir, 'state/status.json'), 'utf8')) as { sensor: string; sources: { dnsmasq: { state: string } } };
    assert.equal(status.sensor, 'second');
    assert.equal(status.sources.dnsmasq.state, 'running');

    // The same config again (procd's reload): feeds are re-read; one that is gone is a warning,
    // and the agent keeps its indicators and runs on.
    rmSync(join(dir, 'feed.txt'));
    agent.kill('SIGHUP');
    await until('the feed warning', () => /warn: ioc feeds: .*feed\.txt: /.test(stderr()));

    agent.kill('SIGTERM');
    assert.equal(await exited, 0, stderr());
    assert.match(stderr(), /^run: events dns=\d+/m);
    // No ubus on this machine: odhcpd polls fail, are counted, and the agent lives on.
    assert.match(stderr(), /odhcpd_poll_failed=\d+/);
    // Nothing is lost across the reload: each logged query came out once.
    const ids = events(dir).filter((e) => e.type === 'dns').map((e) => e.id);
    assert.deepEqual(ids, [1, 2, 7, 8]); // lines 1-12 hold queries 1-2; lines 25-30 end 6 and hold 7-8
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('run: a health sample over agent.memory_budget raises one memory_budget alert; log_level debug logs each drop', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nl-run-'));
  try {
    writeFileSync(join(dir, 'dnsmasq.log'), '');
    writeFileSync(join(dir, 'dhcp.leases'), '');
    const cfg = join(dir, 'netledger');
    // 2 MB, the smallest budget: qjs with the bundle is past it from the start
    writeFileSync(cfg, config(dir, 'budget', "config health 'health'\n\toption interval '5'\n")
      .replace("option status_interval '1'", "option status_interval '1'\n\toption memory_budget '2048'\n\toption log_level 'debug'")
      .replace("option health '0'", "option health '1'"));
    const { agent, stderr, exited } = await startAgent(cfg);
    // log_level 'debug': a dropped line is logged as it happens, with its text
    appendFileSync(join(dir, 'dnsmasq.log'), 'not a dnsmasq line\n');
    await until('the debug line', () => stderr().includes('netledger: debug: drop dnsmasq.bad_framing: not a dnsmasq line\n'));
    await until('two health samples', () => events(dir).filter((e) => e.type === 'health').length >= 2, 30_000);
    agent.kill('SIGTERM');
    assert.equal(await exited, 0, stderr());
    const alerts = events(dir).filter((e) => e.type === 'alert');
    assert.deepEqual(alerts.map((a) => [a.kind, a.indicator]), [['memory_budget', 'netledger rss > 2048 kB']]);
    assert.match(String(alerts[0].match), /^netledger rss \d+ kB$/);
    assert.equal(events(dir).find((e) => e.type === 'health')!.budget, 2048);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('run: a broken config is reported with file:line and the agent does not start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nl-run-'));
  try {
    const cfg = join(dir, 'netledger');
    writeFileSync(cfg, "config agent 'main'\n\toption sensor_id 'a/b'\n\toption nosuch '1'\n");
    const r = runQjs(['run', '--config', cfg]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`${cfg}:2: option 'sensor_id'`));
    assert.match(r.stderr, new RegExp(`${cfg}:3: .*nosuch`));
    assert.match(r.stderr, /not starting/);
    const missing = runQjs(['run', '--config', join(dir, 'absent')]);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, `netledger run: ${join(dir, 'absent')}: cannot read: open ${join(dir, 'absent')}: No such file or directory\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('run: the live agent writes the same dns events as replay of the same log (fast lane and general path alike)', { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nl-run-eq-'));
  try {
    // A generated log (seeded): every line shape the fast lane takes, and those it leaves.
    const gen = spawnSync(process.execPath, ['scripts/bench/gen-dnsmasq.mjs', '--lines', '6000', '--seed', '7', '--out', join(dir, 'src.log')]);
    assert.equal(gen.status, 0, String(gen.stderr));
    const text = readFileSync(join(dir, 'src.log'), 'utf8');
    const lines = text.split('\n').filter(Boolean).length;
    writeFileSync(join(dir, 'dnsmasq.log'), '');
    const cfg = join(dir, 'netledger');
    writeFileSync(cfg, config(dir, 'eq'));
    const { agent, stderr, exited } = await startAgent(cfg);
    appendFileSync(join(dir, 'dnsmasq.log'), text);
    const status = (): { counters?: Record<string, number> } => {
      try {
        return JSON.parse(readFileSync(join(dir, 'state/status.json'), 'utf8')) as { counters?: Record<string, number> };
      } catch {
        return {};
      }
    };
    await until('every line read', () => (status().counters?.dnsmasq_lines ?? 0) >= lines, 60_000);
    agent.kill('SIGTERM');
    assert.equal(await exited, 0, stderr());

    const replay = runQjs(['replay', '--dnsmasq', join(dir, 'src.log'), '--sensor', 'eq', '--year', '2026', '--utc-offset', '+00:00']);
    assert.equal(replay.code, 0, replay.stderr);
    const dnsLines = (s: string): string[] => s.split('\n').filter((l) => l.startsWith('{"type":"dns"')).sort();
    const live = dnsLines(readFileSync(join(dir, 'events.ndjson'), 'utf8'));
    const offline = dnsLines(replay.stdout);
    assert.ok(offline.length > 1000, `replay gave ${offline.length} dns events`);
    assert.equal(live.length, offline.length, 'as many dns events live as in replay');
    assert.deepEqual(live, offline);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
