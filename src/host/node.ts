// The Host for development and tests: Node's fs, child_process, timers and signals. It shares
// the line splitter, UTF-8 repair, PATH lookup and tail logic with host/quickjs.ts, so the
// contract tests (test/host/contract.cases.ts) hold for both.
import * as fs from 'node:fs';
import { spawn as nodeSpawn, type ChildProcess } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { HostError, type Child, type ExitStatus, type Host, type SpawnOptions, type TimerHandle } from './types';
import { LineSplitter } from './lines';
import { pullLines } from './line-reader';
import { followFile, type FileId, type TailFs } from './follow';
import { resolveExecutable } from './exec-path';
import { ENOENT } from './errno';

const EAGAIN = 11;
const ENOTDIR = 20;
const EINVAL = 22;

/** The one place a Node error becomes a HostError. */
function fail(e: unknown, op: string, path: string): never {
  const err = e as NodeJS.ErrnoException;
  const errno = typeof err?.errno === 'number' ? Math.abs(err.errno)
    : (err?.code && (osConstants.errno as Record<string, number>)[err.code]) || EINVAL;
  throw new HostError(op, path, errno, err?.code ? `${err.code} ${err.message}` : String(e));
}

function attempt<T>(op: string, path: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    return fail(e, op, path);
  }
}

function report(where: string, err: unknown): void {
  const e = err as Error;
  process.stderr.write(`netledger: host: ${where} failed: ${e && e.message ? e.message : String(err)}\n${e && e.stack ? e.stack + '\n' : ''}`);
}

function guarded(where: string, fn: () => void): void {
  try {
    fn();
  } catch (e) {
    report(where, e);
  }
}

function isExecutable(p: string): boolean {
  const st = fs.statSync(p, { throwIfNoEntry: false });
  return !!st && st.isFile() && (st.mode & 0o111) !== 0;
}

function fileId(st: fs.Stats | undefined): FileId | null {
  return st ? { size: st.size, ino: st.ino, dev: st.dev } : null;
}

function negErrno(e: unknown): number {
  const n = (e as NodeJS.ErrnoException).errno;
  return typeof n === 'number' ? -Math.abs(n) : -EINVAL;
}

/** Node has no lseek, so reads carry their own position per descriptor. */
function nodeTailFs(): TailFs {
  const at = new Map<number, number>();
  return {
    stat_: (p) => {
      try {
        return fileId(fs.statSync(p, { throwIfNoEntry: false }));
      } catch {
        return null;
      }
    },
    fstat_: (fd) => {
      try {
        return fileId(fs.fstatSync(fd));
      } catch {
        return null;
      }
    },
    open_: (p) => {
      try {
        const fd = fs.openSync(p, 'r');
        at.set(fd, 0);
        return fd;
      } catch (e) {
        return negErrno(e);
      }
    },
    read_: (fd, buf, len) => {
      try {
        const pos = at.get(fd) ?? 0;
        const n = fs.readSync(fd, buf, 0, len, pos);
        at.set(fd, pos + n);
        return n;
      } catch (e) {
        return negErrno(e);
      }
    },
    seek_: (fd, pos) => {
      at.set(fd, pos);
    },
    close_: (fd) => {
      at.delete(fd);
      try {
        fs.closeSync(fd);
      } catch {
        /* already closed */
      }
    },
  };
}

function signalNumber(name: NodeJS.Signals | null): number | null {
  return name ? ((osConstants.signals as Record<string, number>)[name] ?? null) : null;
}

class NodeChild implements Child {
  private lineCb_: ((line: string, truncated: boolean) => void) | null = null;
  private dataCb_: ((chunk: Uint8Array) => void) | null = null;
  private errLineCb_: ((line: string) => void) | null = null;
  private exitCb_: ((status: ExitStatus) => void) | null = null;
  private status_: ExitStatus | null = null;
  private stdinOpen_: boolean;

  private readonly proc_: ChildProcess;

  constructor(proc_: ChildProcess, opts: SpawnOptions) {
    this.proc_ = proc_;
    this.stdinOpen_ = opts.stdin === 'pipe';
    const out = new LineSplitter((l, t) => guarded('onLine', () => this.lineCb_?.(l, t)), opts.maxLine);
    const err = new LineSplitter((l) => guarded('onStderrLine', () => this.errLineCb_?.(l)), opts.maxLine);
    if (proc_.stdout) {
      if (opts.stdout === 'bytes') proc_.stdout.on('data', (c: Buffer) => guarded('onData', () => this.dataCb_?.(new Uint8Array(c))));
      else {
        proc_.stdout.on('data', (c: Buffer) => out.push_(c));
        proc_.stdout.on('end', () => out.flush_());
      }
    }
    if (proc_.stderr) {
      proc_.stderr.on('data', (c: Buffer) => err.push_(c));
      proc_.stderr.on('end', () => err.flush_());
    }
    // EPIPE after the child closed its stdin is expected: the data just has nowhere to go.
    proc_.stdin?.on('error', () => {
      this.stdinOpen_ = false;
    });
    proc_.on('error', (e) => report(`child ${this.pid}`, e));
    proc_.on('exit', () => {
      this.stdinOpen_ = false;
    });
    // 'close' comes after the exit and the end of every stdio stream: the contract's onExit.
    proc_.on('close', (code: number | null, signal: NodeJS.Signals | null) => {
      this.status_ = { code: signal ? null : code, signal: signalNumber(signal) };
      proc_.stdin?.destroy();
      const status = this.status_;
      guarded('onExit', () => this.exitCb_?.(status));
    });
  }

  get pid(): number {
    return this.proc_.pid as number;
  }
  onLine(cb: (line: string, truncated: boolean) => void): void {
    this.lineCb_ = cb;
  }
  onData(cb: (chunk: Uint8Array) => void): void {
    this.dataCb_ = cb;
  }
  onStderrLine(cb: (line: string) => void): void {
    this.errLineCb_ = cb;
  }
  onExit(cb: (status: ExitStatus) => void): void {
    this.exitCb_ = cb;
    if (this.status_) guarded('onExit', () => cb(this.status_ as ExitStatus));
  }

  write(data: Uint8Array | string): number {
    const stdin = this.proc_.stdin;
    if (!stdin || !this.stdinOpen_ || stdin.destroyed || stdin.writableEnded) return -1;
    stdin.write(typeof data === 'string' ? data : Buffer.from(data));
    return stdin.writableLength;
  }

  closeStdin(): void {
    if (!this.proc_.stdin || !this.stdinOpen_) return;
    this.stdinOpen_ = false;
    this.proc_.stdin.end();
  }

  kill(signal: 'SIGTERM' | 'SIGKILL' | 'SIGINT' | 'SIGHUP' = 'SIGTERM'): void {
    if (this.proc_.exitCode === null && this.proc_.signalCode === null) this.proc_.kill(signal);
  }
}

function spawnChild(argv: string[], opts: SpawnOptions): Child {
  if (!Array.isArray(argv) || argv.length === 0 || typeof argv[0] !== 'string') {
    throw new HostError('spawn', '', EINVAL, 'argv must be a non-empty array');
  }
  const file = resolveExecutable(argv[0], process.env.PATH, isExecutable);
  if (!file) throw new HostError('spawn', argv[0], ENOENT, 'no such executable (searched PATH)');
  if (opts.cwd !== undefined) {
    const st = fs.statSync(opts.cwd, { throwIfNoEntry: false });
    if (!st || !st.isDirectory()) throw new HostError('spawn', opts.cwd, st ? ENOTDIR : ENOENT, 'cwd is not a directory');
  }
  const stderr = opts.stderr === 'lines' ? 'pipe' : opts.stderr === 'inherit' ? 'inherit' : 'ignore';
  let proc: ChildProcess;
  try {
    proc = nodeSpawn(file, argv.slice(1), {
      argv0: argv[0],
      shell: false,
      stdio: [opts.stdin === 'pipe' ? 'pipe' : 'ignore', opts.stdout === 'null' ? 'ignore' : 'pipe', stderr],
      env: opts.env ? { ...process.env, ...opts.env } : process.env,
      cwd: opts.cwd,
    });
  } catch (e) {
    return fail(e, 'spawn', argv[0]);
  }
  if (proc.pid === undefined) {
    proc.on('error', () => {}); // reported by the throw below, not as an unhandled event
    throw new HostError('spawn', argv[0], EAGAIN, 'spawn failed');
  }
  return new NodeChild(proc, opts);
}

export function createNodeHost(): Host {
  const timers = new Map<number, ReturnType<typeof setTimeout>>();
  let nextTimer = 1;
  const tailFs = nodeTailFs();

  const host: Host = {
    name: 'node',
    args: process.argv.slice(2),
    getenv: (name) => process.env[name],
    pid: () => process.pid,

    // Synchronous, like the QuickJS host: process.exit() would drop writes still queued on a pipe.
    writeStdout: (text) => writeFully(1, text),
    writeStderr: (text) => writeFully(2, text),

    now: () => Date.now() / 1000,
    monotonic: () => performance.now(),

    setTimeout(fn, ms) {
      const id = nextTimer++;
      timers.set(id, setTimeout(() => {
        timers.delete(id);
        guarded('timer', fn);
      }, ms));
      return { id };
    },
    setInterval(fn, ms) {
      const id = nextTimer++;
      timers.set(id, setInterval(() => guarded('timer', fn), Math.max(1, ms)));
      return { id };
    },
    clearTimer(h: TimerHandle) {
      const t = timers.get(h.id);
      if (t !== undefined) clearTimeout(t); // clears intervals too
      timers.delete(h.id);
    },

    readText: (path) => new TextDecoder().decode(host.readBytes(path)),
    readBytes: (path) => attempt('read', path, () => new Uint8Array(fs.readFileSync(path))),
    writeAtomic(path, data) {
      const tmp = `${path}.tmp-${process.pid}`;
      try {
        attempt('write', tmp, () => fs.writeFileSync(tmp, data, { mode: 0o644 }));
        attempt('rename', path, () => fs.renameSync(tmp, path));
      } catch (e) {
        fs.rmSync(tmp, { force: true });
        throw e;
      }
    },
    appendText: (path, text) => attempt('append', path, () => fs.appendFileSync(path, text)),
    remove: (path) => attempt('remove', path, () => (fs.statSync(path).isDirectory() ? fs.rmdirSync(path) : fs.unlinkSync(path))),
    rename: (from, to) => attempt('rename', `${from} -> ${to}`, () => fs.renameSync(from, to)),
    stat(path) {
      try {
        const st = fs.statSync(path, { throwIfNoEntry: false });
        if (!st) return null;
        return { size: st.size, mtimeMs: Math.floor(st.mtimeMs), ino: st.ino, dev: st.dev, isDirectory: st.isDirectory() };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
        return fail(e, 'stat', path);
      }
    },
    readdir: (path) => attempt('readdir', path, () => fs.readdirSync(path).sort()),
    mkdirp: (path) => void attempt('mkdir', path, () => fs.mkdirSync(path, { recursive: true })),

    openLines(path) {
      const fd = path === '-' ? 0 : attempt('open', path, () => fs.openSync(path, 'r'));
      const where = path === '-' ? '<stdin>' : path;
      return pullLines(
        (buf, len) => attempt('read', where, () => readBlocking(fd, buf, len)),
        () => {
          if (fd !== 0) fs.closeSync(fd);
        },
      );
    },

    follow: (path, opts, onLine, onNotice) =>
      followFile(
        tailFs,
        host,
        path,
        opts,
        (line, truncated) => guarded('follow onLine', () => onLine(line, truncated)),
        (n) => guarded('follow onNotice', () => onNotice?.(n)),
      ),

    stdinLines(onLine, onEnd) {
      const lines = new LineSplitter((l, t) => guarded('stdin onLine', () => onLine(l, t)));
      process.stdin.on('data', (c: Buffer) => lines.push_(c));
      process.stdin.on('end', () => {
        lines.flush_();
        guarded('stdin onEnd', onEnd);
      });
    },

    spawn: (argv, opts = {}) => spawnChild(argv, opts),

    onSignal(signal, cb) {
      process.on(signal, () => guarded(`${signal} handler`, cb));
    },

    exit(code): never {
      return process.exit(code);
    },
  };
  return host;
}

function writeFully(fd: number, text: string): void {
  const buf = Buffer.from(text, 'utf8');
  let off = 0;
  while (off < buf.length) {
    try {
      off += fs.writeSync(fd, buf, off, buf.length - off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') return; // our reader left; like QuickJS we carry on
      if (code !== 'EAGAIN') throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }
}

/** readSync on a descriptor someone made non-blocking (a shared stdin) waits instead of failing. */
function readBlocking(fd: number, buf: Uint8Array, len: number): number {
  for (;;) {
    try {
      return fs.readSync(fd, buf, 0, len, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
}
