// Issue 4, end to end: the live agent (real bundle under qjs in the router namespace, real
// dnsmasq + conntrack) ships through a real Mosquitto in the `up` namespace while
//   (a) the broker is stopped for a minute (OUTAGE_S, default 60; ≥ 30 if shortened) and restarted,
//   (b) the agent is SIGKILLed once and restarted — with the broker frozen (SIGSTOP) first until
//       the spool holds a few batches, so that at the kill some are in flight without PUBACK and
//       some still wait: the new run (new boot id) must send every batch the spool held.
// Traffic runs throughout: one dig per unique name (q<N>-<tag>.shop.test, NXDOMAIN) and a TCP
// connection a second. A persistent-session subscriber (-c -i ID -q 1) gets everything; afterwards
// every query must be in exactly one dns event after dropping duplicate batches by
// (sensor, boot, stream, seq), except queries sent in the window the killed agent still held in
// memory or was not running (LOSS_BEFORE_KILL_S before the kill up to the new run's `online`).
// Skipped only when not root or without `ip netns`. NETLEDGER_LAB_TRACE=DIR runs each agent under
// `strace -f -tt -T` (files in DIR, with timeline.json): how the loop, conntrack and nc spent their time.
import { describe, test, before, after } from 'node:test';
import { writeFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { failureWatch, startLab, labSkipReason, ROOT, LAB_SH, ADDR, type Lab, type LabNs } from '../support/lab';
import { decodeBatch } from '../../src/codec/batch';
import type { NetEvent } from '../../src/events';

const QJS = join(ROOT, '.tools/bin/qjs');
const BUNDLE = process.env.NETLEDGER_BUNDLE ?? join(ROOT, 'dist/netledger.js');
const SENSOR = 'lab';
const BROKER = ADDR.upstreamDns; // 198.51.100.53 in `up`; mosquitto gets its own port there
const PORT = 1883;
const SUB_ID = 'nl-outage-observer';
/** The issue says a minute; NETLEDGER_OUTAGE_S may shorten it for a quick run, never below 30. */
const OUTAGE_S = Math.max(30, Number(process.env.NETLEDGER_OUTAGE_S ?? 60));
const MAX_AGE_S = 1;
const INFLIGHT = 1;
/** The broker stays frozen until the spool holds this many batches (in flight + waiting), ≤ 10 s. */
const SPOOLED_AT_KILL = INFLIGHT + 3;
/**
 * What a SIGKILL may lose by design: events not yet in a closed batch. A batch closes at the
 * first 1 s tick at least max_age after the tick that first saw it open (so up to max_age + 1 s),
 * plus the file follower's 250 ms poll, plus slack for dig start-up.
 */
const LOSS_BEFORE_KILL_S = MAX_AGE_S + 1 + 0.25 + 0.25;

const TRACE = process.env.NETLEDGER_LAB_TRACE ?? '';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * A command with stdin closed (support/lab.ts's run() writes to a pipe, which can fail with an
 * unhandled EPIPE when the child exits first); SIGKILLed after timeoutMs.
 */
function sh(argv: string[], timeoutMs = 15000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const c = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    c.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => c.kill('SIGKILL'), timeoutMs);
    c.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`${argv.join(' ')}: ${e.message}`));
    });
    c.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
const inNs = (lab: Lab, ns: LabNs, argv: string[], timeoutMs?: number) => sh(['ip', 'netns', 'exec', lab.ns(ns), ...argv], timeoutMs);
const now = (): number => Date.now() / 1000;

interface Received {
  at: number;
  topic: string;
  retained: boolean;
  hex: string;
}
interface Query {
  name: string;
  sent: number;
  status: string;
}
interface StatusMsg {
  at: number;
  retained: boolean;
  state: string;
  started: number;
}

function uci(base: string): string {
  // lab.sh prints the mqtt section last: its options continue it; then our own sections.
  return `${base.trimEnd()}
	option keepalive '5'
	option inflight '${INFLIGHT}'
	option reconnect_min '0.5'
	option reconnect_max '2'

config batch 'batch'
	option max_age '${MAX_AGE_S}'

config health 'health'
	option interval '5'
`;
}

const skip = labSkipReason() ?? (existsSync(BUNDLE) ? null : 'dist/netledger.js is missing: run `make build` first');

describe('router lab: broker outage and agent crash (issue 4)', { skip: skip ?? false, timeout: 175_000 }, () => {
  let lab: Lab;
  const watch = failureWatch();
  const tag = Math.floor(Math.random() * 1e6).toString(36);
  const received: Received[] = [];
  const queries: Query[] = [];
  let flowsOpened = 0;
  let brokerLog = '';
  let agentLog = '';
  let broker: ChildProcess | null = null;
  let subscriber: ChildProcess | null = null;
  let agent: ChildProcess | null = null;
  const t = { outageFrom: 0, outageTo: 0, kill: 0, run2Online: 0 };
  let retainedAfterKill = '';
  let agent2Exit: { code: number | null; signal: string | null } = { code: null, signal: null };
  let confFile = '';
  const spooledAtKill: string[] = [];
  const spoolFiles = (): string[] => readdirSync(join(lab.workdir, 'spool')).filter((f) => f.endsWith('.nlb'));
  let decodeCli = { code: -1 as number | null, stdout: '', stderr: '' };

  // Decoded as they arrive: the test waits on what the subscriber has seen.
  const seenQnames = new Set<string>();
  const statuses: StatusMsg[] = [];
  let undecodable = 0;
  function take(line: string): void {
    const parts = line.trim().split(' ');
    if (parts.length !== 3) return;
    const r: Received = { at: now(), topic: parts[0], retained: parts[1] === '1', hex: parts[2] };
    received.push(r);
    const bytes = Buffer.from(r.hex, 'hex');
    if (r.topic.endsWith('/status')) {
      try {
        const s = JSON.parse(bytes.toString('utf8')) as { state: string; started: number };
        statuses.push({ at: r.at, retained: r.retained, state: s.state, started: s.started });
      } catch {
        undecodable++;
      }
      return;
    }
    try {
      for (const ev of decodeBatch(new Uint8Array(bytes)).events) if (ev.type === 'dns') seenQnames.add(ev.qname ?? '');
    } catch {
      undecodable++;
    }
  }

  async function waitFor(what: string, ms: number, cond: () => boolean): Promise<void> {
    const until = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
      await sleep(100);
    }
  }

  async function listening(): Promise<boolean> {
    const r = await inNs(lab, 'up', ['ss', '-Hlnt', `src ${BROKER} and sport = :${PORT}`]);
    return r.stdout.trim() !== '';
  }

  async function startBroker(): Promise<void> {
    const b = lab.spawnIn('up', ['mosquitto', '-c', join(lab.workdir, 'mqtt', 'mosquitto.conf')]);
    b.stdout!.setEncoding('utf8').on('data', (d: string) => (brokerLog += d));
    b.stderr!.setEncoding('utf8').on('data', (d: string) => (brokerLog += d));
    broker = b;
    const until = Date.now() + 5000;
    while (!(await listening())) {
      if (b.exitCode !== null || Date.now() > until) throw new Error(`mosquitto did not start:\n${brokerLog}`);
      await sleep(50);
    }
  }

  async function stopBroker(): Promise<void> {
    const b = broker!;
    const gone = new Promise((r) => b.once('exit', r));
    b.kill('SIGTERM');
    await gone;
    broker = null;
  }

  /** The observer; mosquitto_sub reconnects by itself, but if it ever exits it is started again. */
  function startSubscriber(): void {
    const s = lab.spawnIn('up', ['mosquitto_sub', '-h', BROKER, '-p', String(PORT), '-c', '-i', SUB_ID, '-q', '1',
      '-F', '%t %r %x', '-t', 'netledger/v1/#']);
    let buf = '';
    s.stdout!.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        take(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
    });
    s.stderr!.setEncoding('utf8').on('data', (d: string) => (brokerLog += `[sub] ${d}`));
    s.once('exit', () => {
      if (subscriber === s && !stopping) setTimeout(() => { if (!stopping) startSubscriber(); }, 500);
    });
    subscriber = s;
  }

  let runs = 0;
  /** The qjs process: under NETLEDGER_LAB_TRACE the spawned process is strace, the agent its child. */
  const agentPid = (a: ChildProcess): number =>
    TRACE ? Number(readFileSync(`/proc/${a.pid}/task/${a.pid}/children`, 'utf8').trim().split(' ')[0]) : a.pid!;
  function startAgent(): ChildProcess {
    const argv = [QJS, BUNDLE, 'run', '--config', confFile];
    // NETLEDGER_LAB_TRACE=DIR: strace the agent and its children into DIR (diagnosis only)
    if (TRACE) argv.unshift('strace', '-f', '-tt', '-T', '-o', join(TRACE, `agent-${++runs}.strace`),
      '-e', 'trace=read,write,select,pselect6,recvmsg,execve,wait4,openat,rename,unlink,kill,exit_group');
    const a = lab.spawnInRtr(argv, ['ignore', 'ignore', 'pipe']);
    a.stderr!.setEncoding('utf8').on('data', (d: string) => (agentLog += d));
    return a;
  }

  let stopping = false;
  let trafficOn = true;
  async function digLoop(): Promise<void> {
    for (let n = 1; trafficOn; n++) {
      const name = `q${n}-${tag}.shop.test`;
      const q: Query = { name, sent: now(), status: '' };
      queries.push(q);
      const r = await inNs(lab, 'cli', ['dig', `@${ADDR.rtrLan4}`, '-b', ADDR.cli4, '+tries=1', '+timeout=2', '+nocookie', name, 'A'], 8000);
      q.status = /status: ([A-Z]+)/.exec(r.stdout)?.[1] ?? 'TIMEOUT';
      await sleep(80);
    }
  }
  async function tcpLoop(): Promise<void> {
    while (trafficOn) {
      await inNs(lab, 'cli', ['sh', '-c', `echo hi | nc -N -w1 ${ADDR.web4} 80`], 5000);
      flowsOpened++;
      await sleep(1000);
    }
  }

  before(async () => {
    lab = await startLab();
    mkdirSync(join(lab.workdir, 'mqtt'));
    // `user root`: the broker keeps root, so its persistence file in the private work directory
    // stays writable (as dnsmasq in lab.sh). Persistence keeps the observer's session and the
    // retained status across the outage.
    writeFileSync(join(lab.workdir, 'mqtt', 'mosquitto.conf'), [
      'user root', 'persistence true', `persistence_location ${lab.workdir}/mqtt/`, 'log_dest stdout',
      'log_type error', 'log_type warning', 'log_type notice', 'allow_anonymous true', 'max_queued_messages 100000',
      `listener ${PORT} ${BROKER}`, '',
    ].join('\n'));
    await startBroker();
    startSubscriber();

    confFile = join(lab.workdir, 'netledger.uci');
    const base = await sh(['bash', LAB_SH, 'agent-config', lab.prefix, join(lab.workdir, 'events.ndjson'), '--flows',
      '--mqtt', `mqtt://${BROKER}:${PORT}`]);
    if (base.code !== 0) throw new Error(`lab.sh agent-config failed: ${base.stderr}`);
    writeFileSync(confFile, uci(base.stdout));
    const cc = await sh([QJS, BUNDLE, 'check-config', confFile]);
    if (cc.code !== 0) throw new Error(`the test's agent config does not validate:\n${cc.stdout}${cc.stderr}`);

    agent = startAgent();
    // Ready when a warm-up query comes back through the broker.
    const warm = `warmup.${tag}.shop.test`;
    const warmUntil = Date.now() + 15000;
    while (!seenQnames.has(warm)) {
      if (agent.exitCode !== null) throw new Error(`the agent exited (${agent.exitCode}):\n${agentLog}`);
      if (Date.now() > warmUntil) throw new Error(`no warm-up query came through the broker in 15 s:\n${agentLog}\n${brokerLog}`);
      await inNs(lab, 'cli', ['dig', `@${ADDR.rtrLan4}`, '+tries=1', '+timeout=2', warm, 'A'], 8000);
      await sleep(1000);
    }

    const traffic = Promise.all([digLoop(), tcpLoop()]);
    try {
      await sleep(5000);

      // (a) The broker goes away for OUTAGE_S; the agent spools.
      t.outageFrom = now();
      await stopBroker();
      await sleep(OUTAGE_S * 1000);
      await startBroker();
      t.outageTo = now();
      // Caught up: every query of the outage has come through (up to 15 s).
      const outageNames = (): string[] => queries.filter((q) => q.sent < t.outageTo - LOSS_BEFORE_KILL_S).map((q) => q.name);
      await waitFor('the outage backlog to arrive', 15000, () => outageNames().every((n) => seenQnames.has(n)));
      await sleep(2000);

      // (b) Freeze the broker so batches pile up unacknowledged, then SIGKILL the agent.
      process.kill(broker!.pid!, 'SIGSTOP');
      await waitFor(`${SPOOLED_AT_KILL} batches in the spool`, 10000, () => spoolFiles().length >= SPOOLED_AT_KILL);
      const a1 = agent;
      const killed = new Promise((r) => a1.once('exit', r));
      t.kill = now();
      if (TRACE) {
        // a1 is strace, which would survive: kill its tracee, the agent, and wait until it is gone
        const pid = agentPid(a1);
        process.kill(pid, 'SIGKILL');
        await waitFor('the traced agent to die', 5000, () => !existsSync(`/proc/${pid}`) || / Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8')));
      } else {
        a1.kill('SIGKILL');
        await killed;
      }
      for (const f of spoolFiles()) {
        const b = decodeBatch(new Uint8Array(readFileSync(join(lab.workdir, 'spool', f))));
        spooledAtKill.push(`${b.sensor}/${b.boot}/${b.stream}/${b.seq}`);
      }
      process.kill(broker!.pid!, 'SIGCONT');
      const run1Started = statuses.find((s) => s.state === 'online')?.started;
      // The will: the broker sees the connection drop and publishes the retained `offline`.
      await waitFor('the will (offline status) after the SIGKILL', 15000,
        () => statuses.some((s) => s.state === 'offline' && s.started === run1Started && s.at >= t.kill));
      const r = await inNs(lab, 'up', ['mosquitto_sub', '-h', BROKER, '-p', String(PORT), '-t', `netledger/v1/${SENSOR}/status`,
        '-C', '1', '-W', '5', '-F', '%r %p'], 8000);
      retainedAfterKill = r.stdout.trim();

      agent = startAgent();
      await waitFor('the new run to come online', 15000,
        () => statuses.some((s) => s.state === 'online' && s.started !== run1Started && s.at >= t.kill));
      t.run2Online = statuses.find((s) => s.state === 'online' && s.started !== run1Started && s.at >= t.kill)!.at;
      await sleep(5000);
    } finally {
      trafficOn = false;
      await traffic;
    }
    // Everything sent after the new run came online arrives (up to 15 s), then a clean stop.
    await waitFor('the last queries to arrive', 15000,
      () => queries.filter((q) => q.sent > t.run2Online).every((q) => seenQnames.has(q.name))).catch(() => undefined);
    const a2 = agent;
    const exited = new Promise<void>((res) => a2.once('exit', (code, signal) => {
      agent2Exit = { code, signal };
      res();
    }));
    process.kill(agentPid(a2), 'SIGTERM');
    await Promise.race([exited, sleep(10000)]);
    await sleep(1000); // the clean stop's `offline` status reaches the observer
    stopping = true;

    if (TRACE) writeFileSync(join(TRACE, 'timeline.json'), JSON.stringify({ ...t, agentLog }, null, 1));
    // The CLI decoder over the same capture (data streams only: status payloads are JSON).
    const hexFile = join(lab.workdir, 'received.hex');
    writeFileSync(hexFile, received.filter((m) => !m.topic.endsWith('/status')).map((m) => `${m.topic} ${m.hex}\n`).join(''));
    const d = await sh([QJS, BUNDLE, 'decode', '--hex', '--dedupe', hexFile], 30000);
    decodeCli = { code: d.code, stdout: d.stdout, stderr: d.stderr };
  });

  after(async () => {
    stopping = true;
    if (lab) {
      if (watch.failed()) process.stderr.write(`lab work directory kept for inspection: ${lab.workdir}\n`);
      await lab.down({ keep: watch.failed() });
    }
  });

  const guard = (fn: () => void): (() => Promise<void>) => () => watch.guard(fn);

  /** Data batches, deduplicated by (sensor, boot, stream, seq); duplicates must be byte-identical. */
  function batches(): { list: { key: string; boot: string; stream: string; seq: number; at: number; events: NetEvent[] }[];
    dupes: number; errs: string[] } {
    const first = new Map<string, { hex: string }>();
    const list: { key: string; boot: string; stream: string; seq: number; at: number; events: NetEvent[] }[] = [];
    const errs: string[] = [];
    let dupes = 0;
    for (const m of received) {
      if (m.topic.endsWith('/status')) continue;
      const b = decodeBatch(new Uint8Array(Buffer.from(m.hex, 'hex')));
      if (m.topic !== `netledger/v1/${b.sensor}/${b.stream}`) errs.push(`batch ${b.boot}/${b.stream}/${b.seq} on topic ${m.topic}`);
      const key = `${b.sensor}/${b.boot}/${b.stream}/${b.seq}`;
      const f = first.get(key);
      if (f) {
        dupes++;
        if (f.hex !== m.hex) errs.push(`duplicate ${key} differs from the first copy`);
        continue;
      }
      first.set(key, { hex: m.hex });
      list.push({ key, boot: b.boot, stream: b.stream, seq: b.seq, at: m.at, events: b.events });
    }
    return { list, dupes, errs };
  }

  test('the agent ran, was killed once, and stopped cleanly', guard(() => {
    if (undecodable) throw new Error(`${undecodable} messages the observer got do not decode`);
    if (agent2Exit.code !== 0) throw new Error(`the restarted agent did not exit 0 on SIGTERM (${JSON.stringify(agent2Exit)}):\n${agentLog}`);
    const boots = new Set(batches().list.map((b) => b.boot));
    if (boots.size !== 2) throw new Error(`expected batches from 2 boots (before and after the kill), got ${[...boots].join(', ')}`);
  }));

  test('the will announces the SIGKILLed agent offline, retained; the new run comes online', guard(() => {
    const after = statuses.filter((s) => s.at >= t.kill);
    const i = after.findIndex((s) => s.state === 'offline');
    const j = after.findIndex((s) => s.state === 'online');
    if (i < 0 || j < 0 || i > j) throw new Error(`status after the kill: ${JSON.stringify(after)}`);
    if (after[i].started === after[j].started) throw new Error('the new run reports the old start time');
    if (!/^1 \{.*"state":"offline"/.test(retainedAfterKill)) {
      throw new Error(`a fresh subscriber to the status topic got ${JSON.stringify(retainedAfterKill)}, not the retained offline`);
    }
    const last = statuses[statuses.length - 1];
    if (last.state !== 'offline') throw new Error(`after the clean stop the status is ${last.state}`);
  }));

  test('per (boot, stream) batch numbers start at 0, have no holes and arrive in order', guard(() => {
    const { list, errs } = batches();
    const seqs = new Map<string, number[]>();
    for (const b of list) {
      const k = `${b.boot}/${b.stream}`;
      if (!seqs.has(k)) seqs.set(k, []);
      seqs.get(k)!.push(b.seq);
    }
    for (const [k, s] of seqs) {
      s.forEach((seq, i) => {
        if (seq !== i) errs.push(`${k}: arrival #${i} has seq ${seq} (want ${i}; all: ${s.slice(0, 40).join(',')})`);
      });
    }
    if (errs.length) throw new Error(errs.slice(0, 20).join('\n'));
  }));

  test('every batch spooled at the kill arrives; those never sent come from the new run', guard(() => {
    const { list, dupes } = batches();
    const byKey = new Map(list.map((b) => [b.key, b]));
    if (spooledAtKill.length < SPOOLED_AT_KILL) throw new Error(`only ${spooledAtKill.length} batches were spooled at the kill`);
    const missing = spooledAtKill.filter((k) => !byKey.has(k));
    if (missing.length) throw new Error(`spooled at the kill, never received: ${missing.join(', ')}`);
    // In flight at the kill: delivered when the broker thawed (and again by the new run: `dupes`).
    // Still waiting at the kill: first seen once the new run was online.
    const carried = spooledAtKill.filter((k) => byKey.get(k)!.at >= t.run2Online);
    if (carried.length === 0) throw new Error(`no spooled batch was first received from the new run: ${spooledAtKill.join(', ')}`);
    process.stdout.write(`# spooled at the kill: ${spooledAtKill.length} batches, ${carried.length} first sent by the new run; ` +
      `duplicate deliveries dropped: ${dupes}\n`);
  }));

  test('every query is in exactly one dns event, except in the crash window', guard(() => {
    const { list } = batches();
    const count = new Map<string, number>();
    for (const b of list) {
      for (const ev of b.events) if (ev.type === 'dns' && ev.qname) count.set(ev.qname, (count.get(ev.qname) ?? 0) + 1);
    }
    const windowFrom = t.kill - LOSS_BEFORE_KILL_S;
    const errs: string[] = [];
    let inWindow = 0;
    let lostInWindow = 0;
    let earliestLost = Infinity;
    let duringOutage = 0;
    for (const q of queries) {
      const c = count.get(q.name) ?? 0;
      const excused = q.sent >= windowFrom && q.sent <= t.run2Online;
      if (excused) inWindow++;
      if (c === 0 && excused) {
        lostInWindow++;
        earliestLost = Math.min(earliestLost, q.sent - t.kill);
      }
      else if (c !== 1) errs.push(`${q.name} (sent ${(q.sent - t.kill).toFixed(2)} s from the kill, dig ${q.status}): ${c} events`);
      if (c === 1 && q.sent > t.outageFrom && q.sent < t.outageTo) duringOutage++;
    }
    for (const name of count.keys()) {
      if (name.endsWith(`-${tag}.shop.test`) && !queries.some((q) => q.name === name)) errs.push(`event for a query never sent: ${name}`);
    }
    const dig = queries.filter((q) => q.status !== 'NXDOMAIN');
    if (dig.length) errs.push(`${dig.length} digs did not get NXDOMAIN: ${dig.slice(0, 5).map((q) => `${q.name} ${q.status}`).join(', ')}`);
    if (duringOutage < 50) errs.push(`only ${duringOutage} queries of the outage came through`);
    process.stdout.write(`# ${queries.length} queries, ${flowsOpened} tcp connections; ${duringOutage} sent during the ${OUTAGE_S} s outage; ` +
      `crash window ${LOSS_BEFORE_KILL_S} s before the kill to the new run online (${(t.run2Online - t.kill).toFixed(2)} s after): ` +
      `${lostInWindow} of ${inWindow} queries in it lost, the earliest sent ${earliestLost.toFixed(2)} s from the kill\n`);
    // What each run says it dropped (its last health event): shown, for the record.
    const health = new Map<string, unknown>();
    for (const b of list) for (const ev of b.events) if (ev.type === 'health') health.set(b.boot, (ev as { dropped?: unknown }).dropped);
    for (const [boot, dropped] of health) process.stdout.write(`# boot ${boot}: last health dropped ${JSON.stringify(dropped)}\n`);
    if (errs.length) throw new Error(`${errs.length} problem(s):\n${errs.slice(0, 30).join('\n')}`);
  }));

  test('`netledger decode --hex --dedupe` agrees with the in-process decode', guard(() => {
    const { list } = batches();
    const events = list.reduce((n, b) => n + b.events.length, 0);
    const lines = decodeCli.stdout.split('\n').filter((l) => l !== '').length;
    if (decodeCli.code !== 0) throw new Error(`decode exited ${decodeCli.code}: ${decodeCli.stderr}`);
    if (lines !== events) throw new Error(`decode printed ${lines} events, the in-process decode found ${events}`);
    if (/gap /.test(decodeCli.stderr)) throw new Error(`decode reports gaps:\n${decodeCli.stderr}`);
    process.stdout.write(`# ${decodeCli.stderr.trim()}\n`);
  }));
});
