// Child processes on QuickJS: os.exec (fork + execve, never a shell) wired to pipes that the
// event loop watches with select(). QuickJS cannot make a descriptor non-blocking, so reads
// happen only when select says readable, and stdin writes are at most PIPE_BUF bytes, which
// Linux accepts without blocking whenever select says writable.
import * as std from 'std';
import * as os from 'os';
import { HostError, type Child, type ExitStatus, type SpawnOptions } from './types';
import { LINE_CHUNK, LineSplitter, type AsciiText } from './lines';
import { resolveExecutable } from './exec-path';
import { EAGAIN, EINTR, EINVAL, ENOENT, ENOTDIR } from './errno';
import { encodeUtf8 } from './utf8';
import { check, isExecutable, stat } from './quickjs-fs';
import { isArray, minOf, errorText } from '../compat/lang';

/** POSIX's guaranteed-atomic pipe write, and the most select() promises room for. */
const PIPE_BUF = 4096;
/** Signal numbers QuickJS does not export; they are the same on every Linux architecture. */
export const SIGNALS = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 } as const;
const SWEEP_MS = 1000;

const readBuf = new ArrayBuffer(65536);
export const readView = new Uint8Array(readBuf);

/** Children not yet reaped: pid -> its reap attempt. */
const live = new Map<number, () => void>();
let sweepTimer = -1;
let sigchld = false;

const sweep = (): void => {
  sweepTimer = -1;
  sweepNow();
  if (live.size) sweepTimer = os.setTimeout(sweep, SWEEP_MS);
};

const sweepNow = (): void => {
  for (const reap of [...live.values()]) reap();
};

/**
 * QuickJS serves one ready descriptor per loop turn, the first in registration order: after each
 * read or write a descriptor goes to the back, or a pipe that never runs dry (a log flood) would
 * starve every child registered after it (conntrack's events, the broker's bytes).
 */
const requeue = (set: typeof os.setReadHandler, fd: number, fn: () => void): void => {
  set(fd, null);
  set(fd, fn);
};

/**
 * Reads `fd` (a pipe or stdin) once per select() wake-up, never blocking, up to `max` bytes into
 * readView: got(n) per read, then end() once at end of file (or a read error), after which the
 * descriptor is no longer watched. Both hosts' lines and a child's bytes come this way.
 */
export const watchReads = (fd: number, max: number, got: (n: number) => void, end: () => void): void => {
  const on = (): void => {
    const n = os.read(fd, readBuf, 0, max);
    if (n === -EINTR || n === -EAGAIN) return;
    if (n > 0) {
      requeue(os.setReadHandler, fd, on);
      return got(n);
    }
    os.setReadHandler(fd, null);
    end();
  };
  os.setReadHandler(fd, on);
};

/**
 * Reports a callback that threw, on stderr: the loop carries on. An Error without a message is
 * named by its String() ("Error"), as the Node host does.
 */
export const report = (where: string, err: unknown): void => {
  const stack = (err as Error | null)?.stack;
  std.err.puts(`netledger: host: ${where} failed: ${errorText(err) || err}\n${stack ? stack + '\n' : ''}`);
  std.err.flush();
};

/**
 * Calls fn(a, b); what it throws is reported as `where` failing, never thrown into the loop.
 * The arguments are passed through: no closure is made per line.
 */
export const guarded = <A, B>(where: string, fn: ((a: A, b: B) => void) | undefined, a?: A, b?: B): void => {
  try {
    fn?.(a as A, b as B);
  } catch (e) {
    report(where, e);
  }
};

// One closure per child rather than a class: its state is locals (short names, no `this.`) in
// the bundle. `var`: qjs checks a closure's let/const for its dead zone on every read, and the
// line and chunk callbacks below read them per line and per read.
export const spawnChild = (argv: string[], opts: SpawnOptions, text: AsciiText): Child => {
  if (!isArray(argv) || !argv.length || typeof argv[0] !== 'string') {
    throw new HostError('spawn', '', EINVAL, 'argv must be a non-empty array');
  }
  const file = resolveExecutable(argv[0], std.getenv('PATH'), isExecutable);
  if (!file) throw new HostError('spawn', argv[0], ENOENT, 'no such executable (searched PATH)');
  const cwd = opts.cwd;
  if (cwd !== undefined) {
    const st = stat(cwd);
    if (!st?.isDirectory) throw new HostError('spawn', cwd, st ? ENOTDIR : ENOENT, 'cwd is not a directory');
  }
  const opened: number[] = [];
  var inFd = -1, outFd = -1, errFd = -1, pid: number;
  try {
    // Per stdio stream, [the child's end, ours (or -1)]: a pipe, /dev/null or our own stderr.
    const ends = [opts.stdin === 'pipe', opts.stdout !== 'null', opts.stderr === 'lines'].map((piped, i) => {
      if (piped) {
        const p = os.pipe();
        if (!p) throw new HostError('spawn', 'pipe', 24, 'cannot create a pipe (too many open files?)');
        opened.push(...p);
        return i ? [p[1], p[0]] : p; // the child reads its stdin's pipe, writes the others
      }
      if (i > 1 && opts.stderr === 'inherit') return [2, -1];
      const fd = check(os.open('/dev/null', i ? os.O_WRONLY : os.O_RDONLY), 'open', '/dev/null');
      opened.push(fd);
      return [fd, -1];
    });
    inFd = ends[0][1];
    outFd = ends[1][1];
    errFd = ends[2][1];
    const exec: Parameters<typeof os.exec>[1] = { block: false, usePath: false, file, cwd, stdin: ends[0][0], stdout: ends[1][0], stderr: ends[2][0] };
    if (opts.env) exec.env = { ...std.getenviron(), ...opts.env };
    pid = os.exec(argv, exec);
  } catch (e) {
    for (const fd of opened) os.close(fd);
    throw e instanceof HostError ? e : new HostError('spawn', argv[0], EAGAIN, String(e));
  }
  // The child has its copies; keep only our ends.
  for (const fd of opened) if (fd !== inFd && fd !== outFd && fd !== errFd) os.close(fd);

  var bytesMode = opts.stdout === 'bytes';
  var lineCb: ((line: string, truncated: boolean) => void) | undefined;
  var dataCb: ((chunk: Uint8Array) => void) | undefined;
  var errLineCb: ((line: string) => void) | undefined;
  var exitCb: ((status: ExitStatus) => void) | undefined;
  var status: ExitStatus | undefined;
  var finished = false;
  /** For the child's stdin: queue[0] is what is left of the chunk being written. A write handler is set while it is not empty. */
  var queue: Uint8Array[] = [];
  var queued = 0;
  var closing = false;

  /** Calls a user callback; what it throws is reported, never thrown into the loop. */
  const fire = <A>(where: string, fn: ((a: A) => void) | undefined, a: A): void => guarded(`child ${pid} ${where}`, fn, a);
  const outLines = new LineSplitter((l, t) => {
    // Hot path: no closure per line.
    try {
      if (lineCb) lineCb(l, t);
    } catch (e) {
      report(`child ${pid} onLine`, e);
    }
  }, opts.maxLine, text);
  const errLines = new LineSplitter((l) => fire('onStderrLine', errLineCb, l), opts.maxLine, text);

  const closeIn = (): void => {
    if (inFd < 0) return;
    os.setWriteHandler(inFd, null);
    os.close(inFd);
    inFd = -1;
    queue = [];
    queued = 0;
  };

  const writeSome = (): void => {
    const chunk = queue[0];
    const n = os.write(inFd, chunk.buffer as ArrayBuffer, chunk.byteOffset, minOf(PIPE_BUF, chunk.length));
    if (n === -EAGAIN || n === -EINTR) return;
    if (n < 0) return closeIn(); // EPIPE: the child closed its stdin or died
    queued -= n;
    requeue(os.setWriteHandler, inFd, writeSome);
    if (n < chunk.length) queue[0] = chunk.subarray(n);
    else if (queue.shift() && !queue.length) {
      os.setWriteHandler(inFd, null);
      if (closing) closeIn();
    }
  };

  const maybeFinish = (): void => {
    if (finished || !status || outFd >= 0 || errFd >= 0) return;
    finished = true;
    fire('onExit', exitCb, status);
  };

  const reap = (): void => {
    if (status) return;
    const [r, st] = os.waitpid(pid, os.WNOHANG);
    if (r === 0 || r === -EINTR) return;
    // r < 0 (ECHILD): someone else reaped it; the status is lost but the child is gone.
    const sig = r === pid ? st & 0x7f : -1;
    status = { code: sig ? null : (st >> 8) & 0xff, signal: sig > 0 ? sig : null };
    live.delete(pid);
    // the last child is gone: let the loop end now rather than at the next sweep
    if (!live.size && sweepTimer >= 0) {
      os.clearTimeout(sweepTimer);
      sweepTimer = -1;
    }
    closeIn(); // a dead reader: nothing more can be delivered
    maybeFinish();
  };

  /**
   * A child usually exits right after closing stdout: look again soon rather than in a second
   * (after 2, 10, 50 and 250 ms; then the slow sweep takes over).
   */
  const retryReap = (ms: number): void => {
    if (!status && ms <= 250) {
      os.setTimeout(() => {
        reap();
        retryReap(ms * 5);
      }, ms);
    }
  };

  if (outFd >= 0) {
    watchReads(outFd, bytesMode ? readBuf.byteLength : LINE_CHUNK,
      (n) => bytesMode ? fire('onData', dataCb, readView.slice(0, n)) : outLines.push_(readView.subarray(0, n)),
      () => {
        os.close(outFd);
        outLines.flush_();
        outFd = -1;
        reap();
        retryReap(2);
        maybeFinish();
      });
  }
  if (errFd >= 0) {
    watchReads(errFd, LINE_CHUNK, (n) => errLines.push_(readView.subarray(0, n)), () => {
      os.close(errFd);
      errLines.flush_();
      errFd = -1;
      maybeFinish();
    });
  }

  // SIGCHLD reaps promptly. The slow sweep covers a SIGCHLD that lands between QuickJS's signal
  // check and its select(), and keeps the loop alive while a child with no pipes runs.
  if (!sigchld) os.signal(os.SIGCHLD, sweepNow);
  sigchld = true;
  live.set(pid, reap);
  if (sweepTimer < 0) sweepTimer = os.setTimeout(sweep, SWEEP_MS);

  return {
    pid,
    onLine(cb) {
      lineCb = cb;
    },
    onData(cb) {
      dataCb = cb;
    },
    onStderrLine(cb) {
      errLineCb = cb;
    },
    onExit(cb) {
      exitCb = cb;
      if (finished) fire('onExit', cb, status as ExitStatus);
    },
    write(data) {
      if (inFd < 0 || closing || status) return -1;
      const bytes = typeof data === 'string' ? encodeUtf8(data) : data.slice();
      if (!bytes.length) return queued;
      // the first chunk queued starts the writes
      if (queue.push(bytes) === 1) os.setWriteHandler(inFd, writeSome);
      return (queued += bytes.length);
    },
    closeStdin() {
      if (inFd < 0 || closing) return;
      closing = true;
      if (!queued) closeIn();
    },
    kill(signal = 'SIGTERM') {
      if (!status) os.kill(pid, SIGNALS[signal]);
    },
  };
};
