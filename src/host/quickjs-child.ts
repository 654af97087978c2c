// Child processes on QuickJS: os.exec (fork + execve, never a shell) wired to pipes that the
// event loop watches with select(). QuickJS cannot make a descriptor non-blocking, so reads
// happen only when select says readable, and stdin writes are at most PIPE_BUF bytes, which
// Linux accepts without blocking whenever select says writable.
import * as std from 'std';
import * as os from 'os';
import { HostError, type Child, type ExitStatus, type SpawnOptions } from './types';
import { LINE_CHUNK, LineSplitter, type AsciiText } from './lines';
import { resolveExecutable, ENOENT } from './exec-path';
import { encodeUtf8 } from './utf8';
import { check, isExecutable, stat } from './quickjs-fs';
import { isArray, minOf } from '../compat/lang';

const EINTR = 4;
const EAGAIN = 11;
const ENOTDIR = 20;
const EINVAL = 22;
/** POSIX's guaranteed-atomic pipe write, and the most select() promises room for. */
const PIPE_BUF = 4096;
/** Signal numbers QuickJS does not export; they are the same on every Linux architecture. */
const SIGNALS = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 } as const;
/** Reap retries after stdout closes, then the slow sweep takes over (ms). */
const REAP_RETRY = [2, 10, 50, 250];
const SWEEP_MS = 1000;

const readBuf = new ArrayBuffer(65536);
const readView = new Uint8Array(readBuf);

/** Children not yet reaped, by pid. */
const live = new Map<number, QjsChild>();
let sweepTimer = -1;
let sigchld = false;

function sweep(): void {
  sweepTimer = -1;
  sweepNow();
  if (live.size > 0) sweepTimer = os.setTimeout(sweep, SWEEP_MS);
}

/** The last child is gone: let the loop end now rather than at the next sweep. */
function untrack(pid: number): void {
  live.delete(pid);
  if (live.size === 0 && sweepTimer >= 0) {
    os.clearTimeout(sweepTimer);
    sweepTimer = -1;
  }
}

/**
 * SIGCHLD reaps promptly. The slow sweep covers a SIGCHLD that lands between QuickJS's signal
 * check and its select(), and keeps the loop alive while a child with no pipes runs.
 */
function track(c: QjsChild): void {
  if (!sigchld) os.signal(os.SIGCHLD, sweepNow);
  sigchld = true;
  live.set(c.pid, c);
  if (sweepTimer < 0) sweepTimer = os.setTimeout(sweep, SWEEP_MS);
}

function sweepNow(): void {
  for (const c of Array.from(live.values())) c.tryReap_();
}

/**
 * QuickJS serves one ready descriptor per loop turn, the first in registration order: after each
 * read or write a descriptor goes to the back, or a pipe that never runs dry (a log flood) would
 * starve every child registered after it (conntrack's events, the broker's bytes).
 */
export function requeue(set: typeof os.setReadHandler, fd: number, fn: () => void): void {
  set(fd, null);
  set(fd, fn);
}

function decodeStatus(status: number): ExitStatus {
  const sig = status & 0x7f;
  return sig === 0 ? { code: (status >> 8) & 0xff, signal: null } : { code: null, signal: sig };
}

type Report = (where: string, err: unknown) => void;

class QjsChild implements Child {
  private lineCb_: ((line: string, truncated: boolean) => void) | null = null;
  private dataCb_: ((chunk: Uint8Array) => void) | null = null;
  private errLineCb_: ((line: string) => void) | null = null;
  private exitCb_: ((status: ExitStatus) => void) | null = null;
  private readonly outLines_: LineSplitter;
  private readonly errLines_: LineSplitter;
  private status_: ExitStatus | null = null;
  private finished_ = false;
  private queue_: Uint8Array[] = [];
  private queueHead_ = 0; // index of the chunk being written
  private chunkOff_ = 0; // bytes of it already written
  private queued_ = 0;
  private writing_ = false;
  private closing_ = false;
  private readonly onOut_ = (): void => this.read_(false);
  private readonly onErr_ = (): void => this.read_(true);
  private readonly onIn_ = (): void => this.writeSome_();

  private inFd_: number;
  private outFd_: number;
  private errFd_: number;
  private readonly bytesMode_: boolean;
  private readonly report_: Report;
  constructor(
    readonly pid: number,
    inFd: number,
    outFd: number,
    errFd: number,
    bytesMode: boolean,
    maxLine: number | undefined,
    report: Report,
    text: AsciiText,
  ) {
    this.inFd_ = inFd;
    this.outFd_ = outFd;
    this.errFd_ = errFd;
    this.bytesMode_ = bytesMode;
    this.report_ = report;
    this.outLines_ = new LineSplitter((l, t) => {
      // Hot path: no closure per line.
      try {
        if (this.lineCb_) this.lineCb_(l, t);
      } catch (e) {
        this.report_(`child ${this.pid} onLine`, e);
      }
    }, maxLine, text);
    this.errLines_ = new LineSplitter((l) => this.call_('onStderrLine', () => this.errLineCb_?.(l)), maxLine, text);
    if (outFd >= 0) os.setReadHandler(outFd, this.onOut_);
    if (errFd >= 0) os.setReadHandler(errFd, this.onErr_);
    track(this);
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
    if (this.finished_ && this.status_) this.call_('onExit', () => cb(this.status_ as ExitStatus));
  }

  write(data: Uint8Array | string): number {
    if (this.inFd_ < 0 || this.closing_ || this.status_) return -1;
    const bytes = typeof data === 'string' ? encodeUtf8(data) : data.slice();
    if (bytes.length === 0) return this.queued_;
    this.queue_.push(bytes);
    this.queued_ += bytes.length;
    if (!this.writing_) {
      this.writing_ = true;
      os.setWriteHandler(this.inFd_, this.onIn_);
    }
    return this.queued_;
  }

  closeStdin(): void {
    if (this.inFd_ < 0 || this.closing_) return;
    this.closing_ = true;
    if (this.queued_ === 0) this.closeIn_();
  }

  kill(signal: 'SIGTERM' | 'SIGKILL' | 'SIGINT' | 'SIGHUP' = 'SIGTERM'): void {
    if (!this.status_) os.kill(this.pid, SIGNALS[signal]);
  }

  tryReap_(): void {
    if (this.status_) return;
    const [r, st] = os.waitpid(this.pid, os.WNOHANG);
    if (r === 0 || r === -EINTR) return;
    // r < 0 (ECHILD): someone else reaped it; the status is lost but the child is gone.
    this.status_ = r === this.pid ? decodeStatus(st) : { code: null, signal: null };
    untrack(this.pid);
    this.closeIn_(); // a dead reader: nothing more can be delivered
    this.maybeFinish_();
  }

  private writeSome_(): void {
    const chunk = this.queue_[this.queueHead_];
    if (!chunk) return this.stopWriting_();
    const len = minOf(PIPE_BUF, chunk.length - this.chunkOff_);
    const n = os.write(this.inFd_, chunk.buffer as ArrayBuffer, chunk.byteOffset + this.chunkOff_, len);
    if (n === -EAGAIN || n === -EINTR) return;
    if (n < 0) return this.closeIn_(); // EPIPE: the child closed its stdin or died
    this.chunkOff_ += n;
    this.queued_ -= n;
    requeue(os.setWriteHandler, this.inFd_, this.onIn_);
    if (this.chunkOff_ === chunk.length) {
      this.queue_[this.queueHead_++] = undefined as unknown as Uint8Array;
      this.chunkOff_ = 0;
      if (this.queueHead_ === this.queue_.length) {
        this.queue_ = [];
        this.queueHead_ = 0;
        this.stopWriting_();
        if (this.closing_) this.closeIn_();
      }
    }
  }

  private stopWriting_(): void {
    if (this.writing_ && this.inFd_ >= 0) os.setWriteHandler(this.inFd_, null);
    this.writing_ = false;
  }

  private closeIn_(): void {
    if (this.inFd_ < 0) return;
    this.stopWriting_();
    os.close(this.inFd_);
    this.inFd_ = -1;
    this.queue_ = [];
    this.queueHead_ = this.chunkOff_ = this.queued_ = 0;
  }

  /**
   * One read of stdout (or stderr) per select() wake-up: never blocks; requeue() gives the other
   * descriptors their turn.
   */
  private read_(err: boolean): void {
    const fd = err ? this.errFd_ : this.outFd_;
    const n = os.read(fd, readBuf, 0, err || !this.bytesMode_ ? LINE_CHUNK : readBuf.byteLength);
    if (n === -EINTR || n === -EAGAIN) return;
    const lines = err ? this.errLines_ : this.outLines_;
    if (n > 0) {
      requeue(os.setReadHandler, fd, err ? this.onErr_ : this.onOut_);
      if (!err && this.bytesMode_) {
        const chunk = readView.slice(0, n);
        this.call_('onData', () => this.dataCb_?.(chunk));
      } else lines.push_(readView.subarray(0, n));
      return;
    }
    os.setReadHandler(fd, null);
    os.close(fd);
    if (err) this.errFd_ = -1;
    else this.outFd_ = -1;
    lines.flush_();
    if (!err) {
      this.tryReap_();
      this.retryReap_(0);
    }
    this.maybeFinish_();
  }

  /** A child usually exits right after closing stdout: look again soon rather than in a second. */
  private retryReap_(step: number): void {
    if (this.status_ || step >= REAP_RETRY.length) return;
    os.setTimeout(() => {
      this.tryReap_();
      this.retryReap_(step + 1);
    }, REAP_RETRY[step]);
  }

  private maybeFinish_(): void {
    if (this.finished_ || !this.status_ || this.outFd_ >= 0 || this.errFd_ >= 0) return;
    this.finished_ = true;
    const status = this.status_;
    this.call_('onExit', () => this.exitCb_?.(status));
  }

  private call_(where: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.report_(`child ${this.pid} ${where}`, e);
    }
  }
}

function devNull(flags: number, opened: number[]): number {
  const fd = check(os.open('/dev/null', flags), 'open', '/dev/null');
  opened.push(fd);
  return fd;
}

function pipePair(opened: number[]): [number, number] {
  const p = os.pipe();
  if (!p) throw new HostError('spawn', 'pipe', 24, 'cannot create a pipe (too many open files?)');
  opened.push(p[0], p[1]);
  return p;
}

export function spawnChild(argv: string[], opts: SpawnOptions, report: Report, text: AsciiText): Child {
  if (!isArray(argv) || argv.length === 0 || typeof argv[0] !== 'string') {
    throw new HostError('spawn', '', EINVAL, 'argv must be a non-empty array');
  }
  const file = resolveExecutable(argv[0], std.getenv('PATH'), isExecutable);
  if (!file) throw new HostError('spawn', argv[0], ENOENT, 'no such executable (searched PATH)');
  if (opts.cwd !== undefined) {
    const st = stat(opts.cwd);
    if (!st || !st.isDirectory) throw new HostError('spawn', opts.cwd, st ? ENOTDIR : ENOENT, 'cwd is not a directory');
  }
  const opened: number[] = [];
  const ours = { in: -1, out: -1, err: -1 };
  let pid: number;
  try {
    const childIn = opts.stdin === 'pipe' ? pipePair(opened) : [devNull(os.O_RDONLY, opened), -1];
    ours.in = childIn[1];
    const outMode = opts.stdout ?? 'lines';
    const childOut = outMode === 'null' ? [-1, devNull(os.O_WRONLY, opened)] : pipePair(opened);
    ours.out = childOut[0];
    const errMode = opts.stderr ?? 'null';
    const childErr = errMode === 'lines' ? pipePair(opened) : errMode === 'inherit' ? [-1, 2] : [-1, devNull(os.O_WRONLY, opened)];
    ours.err = childErr[0];
    const exec: Parameters<typeof os.exec>[1] = { block: false, usePath: false, file, stdin: childIn[0], stdout: childOut[1], stderr: childErr[1] };
    if (opts.env) exec.env = { ...std.getenviron(), ...opts.env };
    if (opts.cwd !== undefined) exec.cwd = opts.cwd;
    pid = os.exec(argv, exec);
  } catch (e) {
    for (const fd of opened) os.close(fd);
    throw e instanceof HostError ? e : new HostError('spawn', argv[0], EAGAIN, String(e));
  }
  // The child has its copies; keep only our ends.
  for (const fd of opened) if (fd !== ours.in && fd !== ours.out && fd !== ours.err) os.close(fd);
  return new QjsChild(pid, ours.in, ours.out, ours.err, opts.stdout === 'bytes', opts.maxLine, report, text);
}
