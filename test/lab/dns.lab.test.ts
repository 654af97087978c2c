// The router lab, end to end: real dnsmasq in network namespaces, real dig traffic, the real
// bundle under real qjs. Every step of scripts/lab/scenario.ts must come out as exactly one
// `dns` event with the right fields, live (`netledger run` inside the router namespace, following
// dnsmasq's log file) and replayed (`netledger replay --dnsmasq` on the same log afterwards).
// Skipped only when not root or without `ip netns`; CI runs it.
import { describe, test, before, after } from 'node:test';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { failureWatch, startLab, labSkipReason, run, parseDig, ROOT, LAB_SH, type Lab } from '../support/lab';
import { dnsScenario, digArgv, type DnsStep } from '../../scripts/lab/scenario';
import { checkDnsEvents, serialsByClientPort } from './dns-expect';
import type { DnsEvent } from '../../src/events';

const QJS = join(ROOT, '.tools/bin/qjs');
/** NETLEDGER_BUNDLE: another build of the agent to put through the lab (default dist/). */
const BUNDLE = process.env.NETLEDGER_BUNDLE ?? join(ROOT, 'dist/netledger.js');
const SENSOR = 'lab';
/** Client port of the warm-up queries that tell us the live agent is reading the log. */
const WARMUP_PORT = 39999;
/** The leases lab.sh writes: an event that names a client must name it so. */
const LEASES: Record<string, { mac: string; hostname: string }> = {
  '192.0.2.10': { mac: '00:00:5e:00:53:10', hostname: 'laptop' },
  '192.0.2.11': { mac: '00:00:5e:00:53:11', hostname: 'phone' },
};

const show = (v: unknown): string => JSON.stringify(v);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The bundle's commands, from its --help; `error` when the bundle exists but does not run. */
function bundleCommands(): { names: Set<string>; error: string | null } {
  const names = new Set<string>();
  if (!existsSync(BUNDLE) || !existsSync(QJS)) return { names, error: null };
  const r = spawnSync(QJS, [BUNDLE, '--help'], { encoding: 'utf8', timeout: 10000 });
  const out = r.stdout ?? '';
  const start = out.indexOf('commands:');
  if (r.status !== 0 || start < 0) {
    return { names, error: `\`qjs ${BUNDLE} --help\` failed (exit ${r.status}): ${(r.stderr ?? '').trim() || out.slice(0, 300)}` };
  }
  for (const line of out.slice(start).split('\n').slice(1)) {
    const m = /^ {2}(\S+)/.exec(line);
    if (m) names.add(m[1]);
  }
  return { names, error: null };
}

function parseNdjson(text: string, what: string): { dns: DnsEvent[]; other: Record<string, unknown>[] } {
  const dns: DnsEvent[] = [];
  const other: Record<string, unknown>[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let ev: Record<string, unknown>;
    try {
      ev = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new Error(`${what}:${i + 1}: not JSON: ${line.slice(0, 200)}`);
    }
    if (ev.type === 'dns') dns.push(ev as unknown as DnsEvent);
    else other.push(ev);
  });
  return { dns, other };
}

/**
 * Scenario check plus: warm-ups ignored; the agent was given the lab's lease file, so the two
 * IPv4 clients must carry their lease's mac and hostname, and nobody else may carry any.
 */
function checkAll(dns: DnsEvent[], log: string, window: { from: number; to: number }): string[] {
  const mine = dns.filter((e) => e.client_port !== WARMUP_PORT);
  const errs = checkDnsEvents(mine, dnsScenario, log, { ...window, sensor: SENSOR });
  for (const e of mine) {
    const lease = e.client !== undefined ? LEASES[e.client] : undefined;
    if (e.mac !== lease?.mac) errs.push(`${e.client}/${e.client_port}: mac ${show(e.mac)}, lease says ${show(lease?.mac)}`);
    if (e.hostname !== lease?.hostname) {
      errs.push(`${e.client}/${e.client_port}: hostname ${show(e.hostname)}, lease says ${show(lease?.hostname)}`);
    }
  }
  return errs;
}

function readIfExists(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

const skip = labSkipReason();
const probe = bundleCommands();
const noBundle = !existsSync(BUNDLE) ? 'dist/netledger.js is missing: run `make build` first' : null;
// A bundle that does not even print its help fails both tests (below) rather than skipping them.
const absent = (cmd: string): string | null =>
  noBundle ?? (probe.error || probe.names.has(cmd) ? null : `the bundle has no \`${cmd}\` command yet`);
const liveSkip = absent('run');
const replaySkip = absent('replay');

describe('router lab: DNS', { skip: skip ?? false }, () => {
  let lab: Lab | undefined;
  const watch = failureWatch();
  const digs = new Map<DnsStep, string>();
  const window = { from: 0, to: 0 };
  const live = { ndjson: '', stderr: '', exit: null as number | null, signal: null as string | null, warm: false, setupError: '' };

  const guard = watch.guard;

  async function startAgent(l: Lab): Promise<ChildProcess> {
    const cfg = join(l.workdir, 'netledger.uci');
    live.ndjson = join(l.workdir, 'events.ndjson');
    const conf = await run(['bash', LAB_SH, 'agent-config', l.prefix, live.ndjson], { check: true });
    writeFileSync(cfg, conf.stdout);
    if (probe.names.has('check-config')) {
      const c = await run([QJS, BUNDLE, 'check-config', cfg]);
      if (c.code !== 0) throw new Error(`the lab's config does not validate:\n${c.stdout}${c.stderr}`);
    }
    const agent = l.spawnInRtr([QJS, BUNDLE, 'run', '--config', cfg], ['ignore', 'ignore', 'pipe']);
    agent.stderr!.setEncoding('utf8').on('data', (d: string) => (live.stderr += d));
    // Ready when a warm-up query comes out as an event (the agent may follow from the end).
    const deadline = Date.now() + 15000;
    while (Date.now() < deadline && agent.exitCode === null) {
      await l.dig('warmup.lan', 'A', { from: `192.0.2.10#${WARMUP_PORT}` });
      await sleep(300);
      if (readIfExists(live.ndjson).includes(`"client_port":${WARMUP_PORT}`)) {
        live.warm = true;
        break;
      }
    }
    if (agent.exitCode !== null) throw new Error(`the agent exited early (${agent.exitCode}):\n${live.stderr}`);
    return agent;
  }

  async function stopAgent(agent: ChildProcess): Promise<void> {
    const exited = new Promise<void>((r) => agent.once('exit', (code, signal) => {
      live.exit = code;
      live.signal = signal;
      r();
    }));
    if (agent.exitCode === null) agent.kill('SIGTERM');
    await Promise.race([exited, sleep(10000)]);
    if (agent.exitCode === null && agent.signalCode === null) agent.kill('SIGKILL');
  }

  before(async () => {
    lab = await startLab();
    const l = lab;
    let agent: ChildProcess | undefined;
    if (!liveSkip && !probe.error) {
      try {
        agent = await startAgent(l);
      } catch (e) {
        live.setupError = (e as Error).message;
      }
    }
    window.from = Date.now() / 1000;
    const pending: Promise<void>[] = [];
    for (const s of dnsScenario) {
      const p = l.inCli(digArgv(s), { timeoutMs: 15000 }).then((r) => {
        digs.set(s, parseDig(r).status);
      });
      if (s.background) pending.push(p);
      else await p;
    }
    await Promise.all(pending);
    window.to = Date.now() / 1000;
    if (agent) {
      // Until every step has its event (the unanswered one needs transaction_timeout), or 20 s.
      const keys = dnsScenario.map((s) => `"client_port":${s.port}`);
      const deadline = Date.now() + 20000;
      while (Date.now() < deadline && !keys.every((k) => readIfExists(live.ndjson).includes(k))) await sleep(250);
      await stopAgent(agent);
    } else {
      await sleep(300); // dnsmasq's last log lines
    }
  });

  after(async () => {
    if (lab) {
      if (watch.failed()) process.stderr.write(`lab work directory kept for inspection: ${lab.workdir}\n`);
      await lab.down({ keep: watch.failed() });
    }
  });

  test('every dig gets what the scenario says and the router logs every query', () => guard(() => {
    const bad = dnsScenario.filter((s) => digs.get(s) !== s.digStatus)
      .map((s) => `${s.label}: dig saw ${digs.get(s)}, expected ${s.digStatus}`);
    const log = readFileSync(lab!.dnsmasqLog, 'utf8');
    for (const s of dnsScenario) {
      if (!log.includes(` ${s.expect.client}/${s.expect.client_port} query[${s.qtype}] ${s.expect.qname} `)) {
        bad.push(`${s.label}: no query line from ${s.expect.client}/${s.expect.client_port} in the router log`);
      }
    }
    // The TCP query is served by a forked child: another pid than the main process's.
    const main = /dnsmasq\[(\d+)\]: started/.exec(log);
    const tcp = dnsScenario.find((s) => s.tcp)!;
    const child = serialsByClientPort(log).get(`${tcp.expect.client}/${tcp.expect.client_port}`);
    if (!main || !child || child.pid === Number(main[1])) {
      bad.push(`the TCP query was not served by a forked child (main ${main?.[1]}, query ${show(child)})`);
    }
    if (bad.length) throw new Error(bad.join('\n'));
  }));

  test('live: qjs `run` in the router namespace emits one correct event per query', { skip: liveSkip ?? false }, () => guard(() => {
    if (probe.error) throw new Error(probe.error);
    if (live.setupError) throw new Error(live.setupError);
    const text = readIfExists(live.ndjson);
    const { dns } = parseNdjson(text, 'live NDJSON');
    const errs = checkAll(dns, readFileSync(lab!.dnsmasqLog, 'utf8'), window);
    if (!live.warm) errs.push('no warm-up query came out as an event within 15 s of starting the agent');
    if (live.exit !== 0) errs.push(`the agent did not exit 0 on SIGTERM (exit ${live.exit}, signal ${live.signal})`);
    if (errs.length) throw new Error(`${errs.length} problem(s):\n${errs.join('\n')}\nagent stderr:\n${live.stderr}`);
  }));

  test('replay: qjs `replay --dnsmasq` of the router log emits one correct event per query', { skip: replaySkip ?? false },
    () => guard(async () => {
      if (probe.error) throw new Error(probe.error);
      const r = await run([QJS, BUNDLE, 'replay', '--dnsmasq', lab!.dnsmasqLog, '--leases', join(lab!.workdir, 'dhcp.leases'),
        '--sensor', SENSOR], { timeoutMs: 30000 });
      if (r.code !== 0) throw new Error(`replay exited ${r.code}: ${r.stderr}`);
      writeFileSync(join(lab!.workdir, 'replay.ndjson'), r.stdout);
      const { dns } = parseNdjson(r.stdout, 'replay output');
      const errs = checkAll(dns, readFileSync(lab!.dnsmasqLog, 'utf8'), window);
      if (errs.length) throw new Error(`${errs.length} mismatch(es):\n${errs.join('\n')}`);
    }));
});
