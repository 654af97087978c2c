// The router lab, flows end to end (issue 3): real conntrack and NAT in the router namespace,
// the real bundle under real qjs (`netledger run` with dnsmasq file input, conntrack events mode,
// the lab's leases and an NDJSON output). From the client: a resolved and a never-resolved TCP
// connection, DNS asked of an outside resolver (twice), a 2 MB upload, a UDP flow, an IPv6 flow;
// then the agent's `conntrack -E` child is SIGKILLed while a connection is open and another one
// ends inside the gap: the agent must restart conntrack and still report the ended flow
// (reconciled from /proc/net/nf_conntrack). Skipped only when not root or without `ip netns`.
//
// Timing choices (the whole test stays well under 90 s):
// - TIME_WAIT and UDP timeouts are shortened in the router namespace (1 s and 2 s) so flows are
//   really DESTROYed during the test and come out final:true with an `end`, instead of all of
//   them coming out final:false at stop (TIME_WAIT is 120 s by default). Expired entries are only
//   reaped (and their DESTROY sent) when the kernel's gc gets round to it — up to a minute with a
//   quiet table — or when the table is read, so `reap()` reads /proc/net/nf_conntrack.
// - join.answer_ttl 10 (its minimum): the join claims `direct: true` only after watching DNS for
//   answer_ttl seconds (warm-up), so the never-resolved connection waits for that.
// - conntrack.restart_backoff_min 12: the gap after the kill is long enough for two connections
//   to end and be reaped inside it, even when closing them is slow on a loaded machine.
import { describe, test, before, after } from 'node:test';
import { readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { failureWatch, startLab, labSkipReason, run, ROOT, LAB_SH, ADDR, type Lab } from '../support/lab';
import type { AlertEvent, DnsEvent, FlowEvent } from '../../src/events';

const QJS = join(ROOT, '.tools/bin/qjs');
const BUNDLE = process.env.NETLEDGER_BUNDLE ?? join(ROOT, 'dist/netledger.js');
const LAPTOP = { mac: '00:00:5e:00:53:10', hostname: 'laptop' };
const PHONE = { mac: '00:00:5e:00:53:11', hostname: 'phone' };
/** Answer TTL of the join = its warm-up before `direct: true` can be claimed. */
const JOIN_TTL = 10;
const UPLOAD = 2_000_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const show = (v: unknown): string => JSON.stringify(v);

function readIfExists(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

type Ev = Record<string, unknown> & { type: string };

function parseNdjson(text: string): Ev[] {
  const out: Ev[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      out.push(JSON.parse(line) as Ev);
    } catch {
      throw new Error(`events line ${i + 1} is not JSON: ${line.slice(0, 200)}`);
    }
  });
  return out;
}

/** The conntrack child of the agent, from /proc (ppid and comm). */
function conntrackChild(agentPid: number): number | null {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${d}/stat`, 'utf8');
    } catch {
      continue;
    }
    // pid (comm) state ppid ...: comm may hold spaces, so split after the last ')'
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const ppid = Number(stat.slice(close + 2).split(' ')[1]);
    const state = stat.slice(close + 2, close + 3);
    if (ppid === agentPid && comm === 'conntrack' && state !== 'Z') return Number(d);
  }
  return null;
}

const skip = labSkipReason();
const noBundle = !existsSync(BUNDLE) ? 'dist/netledger.js is missing: run `node scripts/build.mjs` first' : null;

describe('router lab: flows, NAT, bypass and a conntrack restart', { skip: skip ?? false }, () => {
  let lab: Lab | undefined;
  const watch = failureWatch();
  const r = {
    ndjson: '', statusFile: '', stderr: '', exit: null as number | null, signal: null as string | null,
    events: [] as Ev[], status: null as null | Record<string, any>,
    /** client ports (as the conntrack tuple shows them) of the connections we made */
    ports: {} as Record<string, number>,
    killedPid: 0, restartedPid: 0, notes: [] as string[],
  };

  const guard = watch.guard;

  const events = (): Ev[] => parseNdjson(readIfExists(r.ndjson));
  const flows = (): FlowEvent[] => events().filter((e) => e.type === 'flow') as unknown as FlowEvent[];

  async function waitFor(what: string, pred: () => boolean, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (pred()) return;
      await sleep(200);
    }
    if (!pred()) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
  }

  /** Reading the table makes the kernel reap expired entries (and send their DESTROY) now. */
  const reap = async (l: Lab): Promise<void> => {
    await l.inRtr(['cat', '/proc/net/nf_conntrack'], { check: true });
  };

  /** A TCP connection from the client: sends `bytes` (zeros), closes; returns its source port. */
  async function connect(l: Lab, from: string, to: string, port: number, bytes: number, sport: number): Promise<number> {
    const v6 = to.includes(':');
    const res = await l.inCli(['bash', '-c',
      `head -c ${bytes} /dev/zero | nc ${v6 ? '-6' : '-4'} -N -w 5 -s ${from} -p ${sport} ${to} ${port}`], { timeoutMs: 15000 });
    if (res.code !== 0) throw new Error(`nc ${from}:${sport} -> ${to}:${port} failed (${res.code}): ${res.stderr}`);
    return sport;
  }

  async function dnsOk(l: Lab, name: string, type: string, from: string): Promise<void> {
    const d = await l.dig(name, type, { from });
    if (d.status !== 'NOERROR' || d.answers.length === 0) throw new Error(`dig ${name} ${type} from ${from}: ${d.status}`);
  }

  before(async () => {
    if (noBundle) throw new Error(noBundle);
    lab = await startLab();
    const l = lab;
    r.ndjson = join(l.workdir, 'events.ndjson');
    r.statusFile = join(l.workdir, 'state', 'status.json');
    await l.inRtr(['sysctl', '-qw', 'net.netfilter.nf_conntrack_tcp_timeout_time_wait=1',
      'net.netfilter.nf_conntrack_udp_timeout=2'], { check: true });

    // The lab's config with flows on, plus the timing options above.
    const conf = await run(['bash', LAB_SH, 'agent-config', l.prefix, r.ndjson, '--flows'], { check: true });
    const anchor = "\toption mode 'events'\n";
    if (!conf.stdout.includes(anchor)) throw new Error(`agent-config output changed: no ${show(anchor)}`);
    const uci = conf.stdout.replace(anchor, `${anchor}\toption restart_backoff_min '12'\n`) +
      `\nconfig join 'join'\n\toption answer_ttl '${JOIN_TTL}'\n`;
    const cfg = join(l.workdir, 'netledger.uci');
    writeFileSync(cfg, uci);
    const check = await run([QJS, BUNDLE, 'check-config', cfg]);
    if (check.code !== 0) throw new Error(`the config does not validate:\n${check.stdout}${check.stderr}`);

    const agent: ChildProcess = l.spawnInRtr([QJS, BUNDLE, 'run', '--config', cfg], ['ignore', 'ignore', 'pipe']);
    agent.stderr!.setEncoding('utf8').on('data', (d: string) => (r.stderr += d));
    const exited = new Promise<void>((res) => agent.once('exit', (code, signal) => {
      r.exit = code;
      r.signal = signal;
      res();
    }));
    try {
      // Ready: a query comes out as an event (the DNS input follows the log from its end) and
      // conntrack runs. This query also starts the join's DNS coverage (its warm-up clock).
      const deadline = Date.now() + 15000;
      while (!events().some((e) => e.type === 'dns' && e.qname === 'warmup.lan')) {
        if (agent.exitCode !== null) throw new Error(`the agent exited early (${agent.exitCode}):\n${r.stderr}`);
        if (Date.now() > deadline) throw new Error(`no warm-up query came out as an event within 15 s:\n${r.stderr}`);
        await l.dig('warmup.lan', 'A', { from: ADDR.cli4 });
        await sleep(300);
      }
      const coverageFrom = Date.now();
      await waitFor('the conntrack child', () => conntrackChild(agent.pid!) !== null, 5000);

      // Named flows: laptop resolves www.shop.test, then TCP :80, a 2 MB upload, UDP 5000.
      await dnsOk(l, 'www.shop.test', 'A', ADDR.cli4);
      r.ports.web = await connect(l, ADDR.cli4, ADDR.web4, 80, 100, 41080);
      r.ports.upload = await connect(l, ADDR.cli4, ADDR.web4, 80, UPLOAD, 41081);
      await l.inCli(['bash', '-c', `echo udp | nc -4 -u -w 1 -s ${ADDR.cli4} -p 41500 ${ADDR.web4} 5000`], { timeoutMs: 10000 });
      r.ports.udp = 41500;

      // DNS bypass, twice: one alert per client and resolver per window. Between the two, the
      // IPv6 client's first query teaches the agent a new LAN prefix (a new net model).
      const bypass1 = await l.dig('www.shop.test', 'A', { server: ADDR.upstreamDns, from: `${ADDR.cli4}#41053` });
      if (bypass1.status !== 'NOERROR') throw new Error(`bypass dig: ${bypass1.status}`);
      await sleep(2500);
      await reap(l);
      await waitFor('the first bypass flow', () => flows().some((f) => f.orig_p === 41053), 5000);

      // IPv6: resolve AAAA from the v6 address (the join names by address: no lease for it).
      await dnsOk(l, 'www.shop.test', 'AAAA', ADDR.cli6);
      r.ports.v6 = await connect(l, ADDR.cli6, ADDR.web6, 80, 100, 41066);

      const bypass2 = await l.dig('www.shop.test', 'A', { server: ADDR.upstreamDns, from: `${ADDR.cli4}#41054` });
      if (bypass2.status !== 'NOERROR') throw new Error(`second bypass dig: ${bypass2.status}`);

      // Never resolved: the phone has asked nothing; after the join's warm-up it may say direct.
      const wait = coverageFrom + (JOIN_TTL + 1.5) * 1000 - Date.now();
      if (wait > 0) await sleep(wait);
      r.ports.direct = await connect(l, ADDR.cli4b, ADDR.web4, 443, 100, 41443);

      // The conntrack restart. `held` stays open across it; `gap` ends while conntrack is down.
      const held = l.spawnIn('cli', ['nc', '-4', '-N', '-s', ADDR.cli4, '-p', '41200', ADDR.web4, '80'], ['pipe', 'ignore', 'ignore']);
      const gap = l.spawnIn('cli', ['nc', '-4', '-N', '-s', ADDR.cli4, '-p', '41300', ADDR.web4, '443'], ['pipe', 'ignore', 'ignore']);
      // `late` also ends in the gap, but its expired entry is left for the agent's own table read
      // to reap (as the kernel's lazy gc would): that read sends its DESTROY to the new child.
      const late = l.spawnIn('cli', ['nc', '-4', '-N', '-s', ADDR.cli4, '-p', '41301', ADDR.web4, '443'], ['pipe', 'ignore', 'ignore']);
      r.ports.late = 41301;
      late.stdin!.write('ends in the gap, reaped late\n');
      r.ports.held = 41200;
      r.ports.gap = 41300;
      held.stdin!.write('before the restart\n');
      gap.stdin!.write('ends in the gap\n');
      await sleep(1000);
      await reap(l); // anything expired goes now, while the old child still listens
      await sleep(1200); // the DESTROYs reach the agent
      const victim = conntrackChild(agent.pid!);
      if (victim === null) throw new Error('no conntrack child of the agent to kill');
      r.killedPid = victim;
      process.kill(victim, 'SIGKILL');
      await sleep(200);
      const gapClosed = new Promise<void>((res) => gap.once('exit', () => res()));
      gap.stdin!.end(); // -N: FIN on EOF; the server closes too; TIME_WAIT 1 s
      await Promise.race([gapClosed, sleep(3000)]);
      // Reaped inside the gap: no one hears its DESTROY. On a loaded machine the close can take
      // longer than TIME_WAIT's 1 s: read the table (which reaps) until the entry is gone.
      let gone = '';
      for (let i = 0; i < 16; i++) {
        await sleep(300);
        gone = (await l.inRtr(['cat', '/proc/net/nf_conntrack'], { check: true })).stdout;
        if (!gone.includes('sport=41300 ')) break;
      }
      if (gone.includes('sport=41300 ')) r.notes.push('the gap connection was still in the table before the restart');
      const lateClosed = new Promise<void>((res) => late.once('exit', () => res()));
      late.stdin!.end();
      await Promise.race([lateClosed, sleep(1500)]);
      await sleep(1200); // expired (TIME_WAIT 1 s), not reaped
      if (conntrackChild(agent.pid!) !== null) r.notes.push('conntrack was restarted before the late connection expired');
      await waitFor('conntrack to be restarted', () => {
        const c = conntrackChild(agent.pid!);
        return c !== null && c !== victim;
      }, 15000);
      r.restartedPid = conntrackChild(agent.pid!) ?? 0;
      await waitFor('the reconcile after the restart', () => readIfExists(r.statusFile).includes('"flows.reconciled"'), 6000)
        .catch((e: Error) => r.notes.push(e.message));

      // More traffic after the restart: the held connection carries on and ends; a new one.
      held.stdin!.write('after the restart\n');
      await sleep(300);
      held.stdin!.end();
      await dnsOk(l, 'www.shop.test', 'A', ADDR.cli4);
      r.ports.after = await connect(l, ADDR.cli4, ADDR.web4, 80, 100, 41081 + 1);

      // Let everything expire (TIME_WAIT 1 s, UDP 2 s), reap, and wait for the events.
      await sleep(2500);
      await reap(l);
      const wanted = [r.ports.web, r.ports.upload, r.ports.udp, r.ports.v6, r.ports.direct, r.ports.held, r.ports.after, 41054];
      await waitFor('a final flow event for every connection', () => {
        const fs = flows();
        return wanted.every((p) => fs.some((f) => f.orig_p === p && f.final === true));
      }, 8000).catch((e: Error) => r.notes.push(e.message));
    } finally {
      if (agent.exitCode === null && agent.signalCode === null) agent.kill('SIGTERM');
      await Promise.race([exited, sleep(10000)]);
      if (agent.exitCode === null && agent.signalCode === null) agent.kill('SIGKILL');
      r.events = events();
      try {
        r.status = JSON.parse(readIfExists(r.statusFile)) as Record<string, unknown>;
      } catch {
        r.status = null;
      }
    }
  }, { timeout: 80000 });

  after(async () => {
    if (lab) {
      if (watch.failed()) process.stderr.write(`lab work directory kept for inspection: ${lab.workdir}\nnotes: ${r.notes.join('; ')}\n`);
      await lab.down({ keep: watch.failed() });
    }
  });

  const flowsOf = (port: number): FlowEvent[] =>
    (r.events.filter((e) => e.type === 'flow') as unknown as FlowEvent[]).filter((f) => f.orig_p === port);
  /** The one final record of the connection from `port` (more than one is a failure too). */
  const finalOf = (port: number, what: string): FlowEvent => {
    const fs = flowsOf(port).filter((f) => f.final === true);
    if (fs.length !== 1) {
      throw new Error(`${what}: ${fs.length} final flow events from port ${port}, want 1; all of them: ${show(flowsOf(port))}\n` +
        `notes: ${r.notes.join('; ')}\nagent stderr:\n${r.stderr}`);
    }
    return fs[0];
  };
  const expectFields = (f: FlowEvent, want: Partial<FlowEvent>, what: string): void => {
    const bad = Object.entries(want).filter(([k, v]) => (f as unknown as Record<string, unknown>)[k] !== v)
      .map(([k, v]) => `${k}: ${show((f as unknown as Record<string, unknown>)[k])}, want ${show(v)}`);
    if (bad.length) throw new Error(`${what}: ${bad.join('; ')}\nevent: ${show(f)}`);
  };

  test('a resolved TCP connection is named, NATed, directed and attributed to its lease', () => guard(() => {
    const f = finalOf(r.ports.web, 'www.shop.test:80');
    expectFields(f, {
      proto: 'tcp', orig_h: ADDR.cli4, resp_h: ADDR.web4, resp_p: 80, nat_h: ADDR.rtrWan4, name: 'www.shop.test',
      mac: LAPTOP.mac, hostname: LAPTOP.hostname, dir: 'lan', assured: true, sensor: 'lab',
    }, 'www.shop.test:80');
    if (f.direct !== undefined) throw new Error(`a named flow carries direct: ${show(f)}`);
    if (!(typeof f.end === 'number' && f.end >= f.ts && typeof f.duration === 'number')) throw new Error(`no end/duration: ${show(f)}`);
    if (!(f.orig_bytes! >= 100 && f.resp_pkts! >= 1)) throw new Error(`counters missing (acct is on in the lab): ${show(f)}`);
    const dns = r.events.find((e) => e.type === 'dns' && e.qname === 'www.shop.test' && e.client === ADDR.cli4) as DnsEvent | undefined;
    if (!dns) throw new Error('no dns event for the laptop asking www.shop.test');
  }));

  test('a connection to a never-resolved address is direct', () => guard(() => {
    const f = finalOf(r.ports.direct, 'never-resolved :443');
    expectFields(f, {
      proto: 'tcp', orig_h: ADDR.cli4b, resp_h: ADDR.web4, resp_p: 443, nat_h: ADDR.rtrWan4, direct: true,
      mac: PHONE.mac, hostname: PHONE.hostname, dir: 'lan',
    }, 'never-resolved :443');
    if (f.name !== undefined) throw new Error(`named although never resolved: ${show(f)}`);
  }));

  test('querying an outside resolver raises one dns_bypass alert per window', () => guard(() => {
    const alerts = r.events.filter((e) => e.type === 'alert' && e.kind === 'dns_bypass') as unknown as AlertEvent[];
    const bypassFlows = flowsOf(41053).concat(flowsOf(41054));
    if (alerts.length !== 1) {
      throw new Error(`${alerts.length} dns_bypass alerts, want 1 (two queries, one window): ${show(alerts)}\nbypass flows: ${show(bypassFlows)}`);
    }
    const a = alerts[0];
    const want = { client: ADDR.cli4, indicator: `${ADDR.upstreamDns}#53`, match: 'udp/53', mac: LAPTOP.mac, hostname: LAPTOP.hostname };
    for (const [k, v] of Object.entries(want)) {
      if ((a as unknown as Record<string, unknown>)[k] !== v) throw new Error(`alert ${k}: ${show((a as unknown as Record<string, unknown>)[k])}, want ${show(v)}`);
    }
    if ((a.event as FlowEvent | undefined)?.orig_p !== 41053) throw new Error(`the alert should carry the first query's flow: ${show(a)}`);
    for (const p of [41053, 41054]) {
      expectFields(finalOf(p, `bypass query from port ${p}`), { proto: 'udp', resp_h: ADDR.upstreamDns, resp_p: 53, dir: 'lan' }, `bypass ${p}`);
    }
    const sup = (r.status?.counters as Record<string, number> | undefined)?.bypass_suppressed ?? 0;
    if (sup < 1) throw new Error(`counter bypass_suppressed is ${sup}, want >= 1`);
  }));

  test('a 2 MB upload is counted in orig_bytes', () => guard(() => {
    const f = finalOf(r.ports.upload, '2 MB upload');
    expectFields(f, { proto: 'tcp', resp_p: 80, name: 'www.shop.test', dir: 'lan' }, '2 MB upload');
    if (!(f.orig_bytes! >= UPLOAD)) throw new Error(`orig_bytes ${f.orig_bytes}, want >= ${UPLOAD}: ${show(f)}`);
  }));

  test('UDP and IPv6 flows', () => guard(() => {
    const u = finalOf(r.ports.udp, 'udp/5000');
    expectFields(u, { proto: 'udp', resp_h: ADDR.web4, resp_p: 5000, nat_h: ADDR.rtrWan4, name: 'www.shop.test', dir: 'lan', mac: LAPTOP.mac }, 'udp/5000');
    if (!(u.orig_pkts! >= 1)) throw new Error(`udp counters: ${show(u)}`);
    const v = finalOf(r.ports.v6, 'IPv6 :80');
    expectFields(v, { proto: 'tcp', orig_h: ADDR.cli6, resp_h: ADDR.web6, resp_p: 80, name: 'www.shop.test', dir: 'lan' }, 'IPv6 :80');
    if (v.nat_h !== undefined) throw new Error(`IPv6 is routed, not NATed, but nat_h is ${v.nat_h}`);
  }));

  test('conntrack killed: restarted, the flow that ended in the gap is reconciled, the open one carries on', () => guard(() => {
    const errs: string[] = [];
    if (!r.killedPid || !r.restartedPid || r.killedPid === r.restartedPid) {
      errs.push(`conntrack child before ${r.killedPid}, after ${r.restartedPid}`);
    }
    const st = r.status;
    const ct = st?.sources?.conntrack as { restarts?: number; state?: string } | undefined;
    if (!(ct && (ct.restarts ?? 0) >= 1)) errs.push(`status.json sources.conntrack: ${show(ct)}, want restarts >= 1`);
    const counters = (st?.counters ?? {}) as Record<string, number>;
    if (!(counters['conntrack.restarts'] >= 1)) errs.push(`counter conntrack.restarts ${counters['conntrack.restarts']}`);
    if (!(counters['conntrack.reconciles'] >= 2)) errs.push(`counter conntrack.reconciles ${counters['conntrack.reconciles']}, want >= 2 (start + gap)`);
    if (!(counters['flows.reconciled'] >= 1)) errs.push(`counter flows.reconciled ${counters['flows.reconciled']}, want >= 1`);
    if (!(((st?.dropped ?? {}) as Record<string, number>)['conntrack.exited'] >= 1)) errs.push(`drop conntrack.exited: ${show(st?.dropped)}`);
    // Ended unseen: reported once, final, with what was known and no end time.
    const gapFlows = flowsOf(r.ports.gap);
    const g = gapFlows.filter((f) => f.final === true);
    if (g.length !== 1) errs.push(`gap connection: ${g.length} final events, want 1: ${show(gapFlows)}`);
    else {
      if (g[0].end !== undefined || g[0].duration !== undefined) errs.push(`reconciled flow has end/duration: ${show(g[0])}`);
      if (g[0].resp_p !== 443 || g[0].nat_h !== ADDR.rtrWan4 || g[0].dir !== 'lan' || g[0].mac !== LAPTOP.mac) errs.push(`gap flow fields: ${show(g[0])}`);
    }
    // Open across the restart: one final record, with its real end and bytes from both sides of it.
    const h = flowsOf(r.ports.held).filter((f) => f.final === true);
    if (h.length !== 1) errs.push(`held connection: ${h.length} final events, want 1: ${show(flowsOf(r.ports.held))}`);
    else if (typeof h[0].end !== 'number' || !(h[0].orig_bytes! > 'before the restart\nafter the restart\n'.length)) {
      errs.push(`held connection lacks end or bytes: ${show(h[0])}`);
    }
    // Expired in the gap, reaped by the reconcile's own read: reported once all the same.
    const lf = flowsOf(r.ports.late).filter((f) => f.final === true);
    if (lf.length !== 1) {
      // Two: the reconcile reported it, then the DESTROY its own table read caused (the kernel
      // reaps expired entries it walks past) reached the new conntrack child (flows.destroy_unseen).
      errs.push(`late-reaped gap connection: ${lf.length} final events, want 1 (flows.destroy_unseen ` +
        `${counters['flows.destroy_unseen'] ?? 0}): ${show(flowsOf(r.ports.late))}`);
    }
    const a = flowsOf(r.ports.after).filter((f) => f.final === true && typeof f.end === 'number');
    if (a.length !== 1) errs.push(`connection after the restart: ${show(flowsOf(r.ports.after))}`);
    if (errs.length) throw new Error(`${errs.join('\n')}\nnotes: ${r.notes.join('; ')}\nagent stderr:\n${r.stderr}`);
  }));

  test('no conntrack flow is reported final twice', () => guard(() => {
    const seen = new Map<number, number>();
    for (const f of r.events) {
      if (f.type !== 'flow' || f.final !== true || typeof f.ct_id !== 'number') continue;
      seen.set(f.ct_id, (seen.get(f.ct_id) ?? 0) + 1);
    }
    const dup = [...seen].filter(([, n]) => n > 1).map(([id]) => r.events.filter((e) => e.ct_id === id));
    if (dup.length) throw new Error(`flows reported final more than once: ${show(dup)}`);
  }));

  test('SIGTERM: exit 0 and a summary line that counts the flows', () => guard(() => {
    if (r.exit !== 0) throw new Error(`exit ${r.exit}, signal ${r.signal}\n${r.stderr}`);
    const m = /^run: events (.*?);/m.exec(r.stderr);
    if (!m) throw new Error(`no summary line on stderr:\n${r.stderr}`);
    const flowCount = /\bflow=(\d+)/.exec(m[1]);
    const n = r.events.filter((e) => e.type === 'flow').length;
    if (!flowCount || Number(flowCount[1]) !== n) throw new Error(`summary says ${m[1]}, the NDJSON has ${n} flow events`);
    if (!/\balert=1\b/.test(m[1])) throw new Error(`summary should count one alert: ${m[1]}`);
  }));
});
