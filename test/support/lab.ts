// Node harness for the namespace router lab (scripts/lab/lab.sh, docs/lab.md).
// startLab() builds a fresh lab with a unique prefix; every lab is torn down on down(), on
// process exit and on SIGINT/SIGTERM, so a failing or interrupted test leaves no namespace behind.
import { spawn, spawnSync, type ChildProcess, type StdioOptions } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';

export const ROOT = resolve(import.meta.dirname, '../..');
export const LAB_SH = join(ROOT, 'scripts/lab/lab.sh');

export type LabNs = 'cli' | 'rtr' | 'up';

/** Fixed addresses of the lab (docs/lab.md). */
export const ADDR = {
  cli4: '192.0.2.10',
  cli4b: '192.0.2.11',
  cli6: '2001:db8:1::10',
  rtrLan4: '192.0.2.1',
  rtrLan6: '2001:db8:1::1',
  rtrWan4: '198.51.100.1',
  rtrWan6: '2001:db8:2::1',
  upstreamDns: '198.51.100.53',
  servfailDns: '198.51.100.54',
  web4: '198.51.100.80',
  web6: '2001:db8:2::80',
  deadDns: '203.0.113.1',
} as const;

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface RunOptions {
  /** Milliseconds before the command is killed (SIGKILL). Default 15000. */
  timeoutMs?: number;
  /** Throw when the command does not exit 0. Default false. */
  check?: boolean;
  input?: string;
}

export interface DigOptions {
  /** Resolver to ask; default the router's LAN address (v4, or v6 when `from` is v6). */
  server?: string;
  /** Source address (and optional port) in the client namespace: `-b addr[#port]`. */
  from?: string;
  port?: number;
  tcp?: boolean;
  /** dig +timeout, seconds; default 2. */
  timeoutS?: number;
  /** dig +tries; default 1 so that an unanswered query stays one transaction. */
  tries?: number;
}

export interface DigRecord {
  name: string;
  ttl: number;
  type: string;
  data: string;
}

export interface DigResult {
  /** NOERROR, NXDOMAIN, SERVFAIL, REFUSED, ... or TIMEOUT when no reply came. */
  status: string;
  answers: DigRecord[];
  /** Rdata of each answer, as `dig +short` prints it. */
  short: string[];
  raw: RunResult;
}

export interface Lab {
  readonly prefix: string;
  readonly workdir: string;
  /** The router dnsmasq's `--log-facility` file (`--log-queries=extra`). */
  readonly dnsmasqLog: string;
  readonly upstreamLog: string;
  ns(which: LabNs): string;
  exec(which: LabNs, argv: string[], opts?: RunOptions): Promise<RunResult>;
  inCli(argv: string[], opts?: RunOptions): Promise<RunResult>;
  inRtr(argv: string[], opts?: RunOptions): Promise<RunResult>;
  inUp(argv: string[], opts?: RunOptions): Promise<RunResult>;
  /** A long-running process in a namespace; killed (if still alive) by down(). */
  spawnIn(which: LabNs, argv: string[], stdio?: StdioOptions): ChildProcess;
  spawnInRtr(argv: string[], stdio?: StdioOptions): ChildProcess;
  /** dig from the client namespace, by default against 192.0.2.1. */
  dig(name: string, type?: string, opts?: DigOptions): Promise<DigResult>;
  /** Idempotent. Keeps the work directory when `keep` or NETLEDGER_LAB_KEEP=1. */
  down(opts?: { keep?: boolean }): Promise<void>;
}

/** Why the lab cannot run here, or null when it can. Only "not root" or "no netns" skip. */
export function labSkipReason(): string | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    return 'router lab needs root (network namespaces); run the lab tests as root';
  }
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    return `'ip netns' is unavailable: ${r.error ? r.error.message : r.stderr.trim()}`;
  }
  return null;
}

// Labs still up, for the exit/signal handlers (which can only run synchronous code).
const live = new Map<string, { workdir: string; children: Set<ChildProcess> }>();
let handlersInstalled = false;

function downSync(prefix: string): void {
  const entry = live.get(prefix);
  if (entry) for (const c of entry.children) killChild(c);
  spawnSync('bash', [LAB_SH, 'down', prefix], { stdio: 'ignore', env: { ...process.env, LAB_QUIET: '1' } });
  live.delete(prefix);
}

function killChild(c: ChildProcess): void {
  if (c.exitCode === null && c.signalCode === null && c.pid !== undefined) {
    try {
      process.kill(c.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', () => {
    for (const p of [...live.keys()]) downSync(p);
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      for (const p of [...live.keys()]) downSync(p);
      process.kill(process.pid, sig);
    });
  }
}

export function run(argv: string[], opts: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? 15000;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      killChild(child);
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`${argv.join(' ')}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const res = { code, signal, stdout, stderr, timedOut };
      if (opts.check && code !== 0) {
        reject(new Error(`${argv.join(' ')} exited ${code ?? signal}${timedOut ? ' (timed out)' : ''}\n${stderr}${stdout}`));
      } else resolvePromise(res);
    });
    child.stdin.on("error", () => {}); // a command that exits without reading its input must not fail the suite with EPIPE
    child.stdin.end(opts.input ?? "");
  });
}

/** Parses dig's default output (header comments and the answer section). */
export function parseDig(out: RunResult): DigResult {
  const text = out.stdout;
  const m = /status: ([A-Z0-9]+)/.exec(text);
  let status = m ? m[1] : 'TIMEOUT';
  if (!m && !/timed out|no servers could be reached/.test(text + out.stderr)) status = 'ERROR';
  const answers: DigRecord[] = [];
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith(';; ANSWER SECTION:'));
  if (start >= 0) {
    for (let i = start + 1; i < lines.length && lines[i].trim() !== ''; i++) {
      const f = /^(\S+)\s+(\d+)\s+IN\s+(\S+)\s+(.*)$/.exec(lines[i]);
      if (f) answers.push({ name: f[1], ttl: Number(f[2]), type: f[3], data: f[4] });
    }
  }
  return { status, answers, short: answers.map((a) => a.data), raw: out };
}

function newPrefix(): string {
  // 'nl' + 6 random base36 characters: 8 characters, so veth names stay within 15.
  const n = randomBytes(5).readUIntBE(0, 5);
  return 'nl' + n.toString(36).padStart(6, '0').slice(-6);
}

export async function startLab(opts: { keepWorkdir?: boolean } = {}): Promise<Lab> {
  const reason = labSkipReason();
  if (reason) throw new Error(reason);
  installHandlers();
  let prefix = newPrefix();
  while (existsSync(`/run/netns/${prefix}cli`)) prefix = newPrefix();
  const workdir = mkdtempSync(join(tmpdir(), `netledger-lab-${prefix}-`));
  const children = new Set<ChildProcess>();
  live.set(prefix, { workdir, children });
  const up = await run(['bash', LAB_SH, 'up', prefix, workdir], { timeoutMs: 30000 });
  if (up.code !== 0) {
    downSync(prefix);
    throw new Error(`lab up failed (exit ${up.code}${up.timedOut ? ', timed out' : ''}):\n${up.stderr}${up.stdout}`);
  }
  const nsName = (w: LabNs): string => prefix + w;
  const exec = (w: LabNs, argv: string[], o?: RunOptions): Promise<RunResult> =>
    run(['ip', 'netns', 'exec', nsName(w), ...argv], o);
  const spawnIn = (w: LabNs, argv: string[], stdio: StdioOptions = ['ignore', 'pipe', 'pipe']): ChildProcess => {
    const c = spawn('ip', ['netns', 'exec', nsName(w), ...argv], { stdio });
    children.add(c);
    c.on('exit', () => children.delete(c));
    return c;
  };
  let isDown = false;
  const lab: Lab = {
    prefix,
    workdir,
    dnsmasqLog: join(workdir, 'dnsmasq.log'),
    upstreamLog: join(workdir, 'upstream.log'),
    ns: nsName,
    exec,
    inCli: (a, o) => exec('cli', a, o),
    inRtr: (a, o) => exec('rtr', a, o),
    inUp: (a, o) => exec('up', a, o),
    spawnIn,
    spawnInRtr: (a, s) => spawnIn('rtr', a, s),
    async dig(name, type = 'A', o = {}) {
      const v6 = o.from !== undefined && o.from.includes(':');
      const server = o.server ?? (v6 ? ADDR.rtrLan6 : ADDR.rtrLan4);
      const t = o.timeoutS ?? 2;
      const argv = ['dig', `@${server}`, `+tries=${o.tries ?? 1}`, `+timeout=${t}`, '+nocookie'];
      if (o.tcp) argv.push('+tcp');
      if (o.port !== undefined) argv.push('-p', String(o.port));
      if (o.from !== undefined) argv.push('-b', o.from);
      argv.push(name, type);
      const res = await exec('cli', argv, { timeoutMs: (t * (o.tries ?? 1) + 5) * 1000 });
      return parseDig(res);
    },
    async down(o = {}) {
      if (isDown) return;
      isDown = true;
      for (const c of children) killChild(c);
      const r = await run(['bash', LAB_SH, 'down', prefix], { timeoutMs: 30000 });
      live.delete(prefix);
      if (!(o.keep || opts.keepWorkdir || process.env.NETLEDGER_LAB_KEEP === '1')) {
        rmSync(workdir, { recursive: true, force: true });
      }
      if (r.code !== 0) throw new Error(`lab down ${prefix} failed:\n${r.stderr}`);
    },
  };
  return lab;
}

/**
 * Remembers whether a test of a lab suite failed, so the suite's teardown can keep the lab's
 * work directory for inspection. `guard(fn)` runs fn and notes a failure before passing it on.
 */
export function failureWatch(): { guard: (fn: () => void | Promise<void>) => Promise<void>; failed: () => boolean } {
  let failed = false;
  return {
    guard: async (fn) => {
      try {
        await fn();
      } catch (e) {
        failed = true;
        throw e;
      }
    },
    failed: () => failed,
  };
}
