// The router lab, end to end: real dnsmasq in network namespaces, real dig traffic, the real
// bundle under real qjs. Every step of scripts/lab/scenario.ts must come out as exactly one
// `dns` event with the right fields, live (`netledger run` inside the router namespace, following
// dnsmasq's log file) and replayed (`netledger replay --dnsmasq` on the same log afterwards).
// Skipped only when not root or without `ip netns`; CI runs it.
import { describe, test, before, after } from 'node:test';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { startLab, labSkipReason, run, parseDig, ROOT, type Lab } from '../support/lab';
import { dnsScenario, digArgv, type DnsStep } from '../../scripts/lab/scenario';
import { checkDnsEvents, serialsByClientPort } from './dns-expect';
import type { DnsEvent } from '../../src/events';

const QJS = join(ROOT, '.tools/bin/qjs');
const BUNDLE = join(ROOT, 'dist/netledger.js');
const SENSOR = 'lab';

/** The bundle's commands, from its --help (empty when there is no bundle). */
function bundleCommands(): Set<string> {
  if (!existsSync(BUNDLE) || !existsSync(QJS)) return new Set();
  const r = spawnSync(QJS, [BUNDLE, '--help'], { encoding: 'utf8', timeout: 10000 });
  const out = r.stdout ?? '';
  const start = out.indexOf('commands:');
  const names = new Set<string>();
  if (start < 0) return names;
  for (const line of out.slice(start).split('\n').slice(1)) {
    const m = /^ {2}(\S+)/.exec(line);
    if (m) names.add(m[1]);
  }
  return names;
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

const show = (v: unknown): string => JSON.stringify(v);
const skip = labSkipReason();
const commands = bundleCommands();
const noBundle = !existsSync(BUNDLE) ? 'dist/netledger.js is missing: run `make build` first' : null;

describe('router lab: DNS', { skip: skip ?? false }, () => {
  let lab: Lab | undefined;
  let failed = false;
  const digs = new Map<DnsStep, string>();
  let window = { from: 0, to: 0 };

  before(async () => {
    lab = await startLab();
    const l = lab;
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
    await new Promise((r) => setTimeout(r, 200)); // dnsmasq's last log lines
  });

  after(async () => {
    if (lab) {
      if (failed) process.stderr.write(`lab work directory kept for inspection: ${lab.workdir}\n`);
      await lab.down({ keep: failed });
    }
  });

  test('every dig gets what the scenario says and the router logs every query', () => {
    try {
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
    } catch (e) {
      failed = true;
      throw e;
    }
  });

  test('replay: qjs `replay --dnsmasq` of the router log emits one correct event per query', {
    skip: noBundle ?? (commands.has('replay') ? false : 'the bundle has no `replay` command yet'),
  }, async () => {
    try {
      const r = await run([QJS, BUNDLE, 'replay', '--dnsmasq', lab!.dnsmasqLog, '--sensor', SENSOR], { timeoutMs: 30000 });
      if (r.code !== 0) throw new Error(`replay exited ${r.code}: ${r.stderr}`);
      writeFileSync(join(lab!.workdir, 'replay.ndjson'), r.stdout);
      const { dns } = parseNdjson(r.stdout, 'replay output');
      const errs = checkDnsEvents(dns, dnsScenario, readFileSync(lab!.dnsmasqLog, 'utf8'), { ...window, sensor: SENSOR });
      if (errs.length) throw new Error(`${errs.length} mismatch(es):\n${errs.join('\n')}`);
    } catch (e) {
      failed = true;
      throw e;
    }
  });
});
