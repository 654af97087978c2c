// The Host on the router: QuickJS's 'std' and 'os' modules (quickjs-libc, 2025-04-26).
import * as std from 'std';
import * as os from 'os';
import { HostError, type Host } from './types';
import { timerQueue } from './timers';
import { LINE_CHUNK, LineSplitter } from './lines';
import { pullLines } from './line-reader';
import { scratchText } from './quickjs-text';
import { followFile } from './follow';
import { decodeUtf8 } from './utf8';
import { guarded, readView, report, spawnChild, watchReads, SIGNALS } from './quickjs-child';
// Named imports, not a namespace: some of these names are mangled in the bundle (internalNames in
// scripts/mangle-props.mjs), and esbuild would read a mangled `fs.readBytes` off a namespace object.
import { check, readBytes, writeAtomic, appendText, remove, rename, stat, readdir, mkdirp, readInto, tailFs } from './quickjs-fs';

declare const scriptArgs: string[];

export const createQuickJsHost = (): Host => {
  // Caught rather than ignored: a write to a closed pipe must return EPIPE instead of killing
  // us, and a caught signal (unlike SIG_IGN) is reset to default in children at exec.
  os.signal(os.SIGPIPE, () => {});

  const timers = timerQueue({
    now_: os.now,
    arm_: os.setTimeout,
    disarm_: os.clearTimeout,
    report_: (e) => report('timer', e),
  });
  const handlers: Record<string, (() => void)[]> = {};
  // lines are decoded natively through a scratch file in RAM, made at the first chunk read
  const text = scratchText([std.getenv('TMPDIR') || '/tmp', '/dev/shm']);
  let flushPending = false;

  const host: Host = {
    name: 'quickjs',
    args: scriptArgs.slice(1),
    getenv: std.getenv,
    pid: os.getpid,

    writeStdout(text) {
      std.out.puts(text);
      // stdout is fully buffered when it is a pipe: flush once the current turn is over, so a
      // burst of writes costs one write(2) and a quiet agent's output still appears promptly.
      if (!flushPending) {
        flushPending = true;
        os.setTimeout(() => {
          flushPending = false;
          std.out.flush();
        }, 0);
      }
    },
    writeStderr(text) {
      std.err.puts(text);
      std.err.flush();
    },

    now: () => Date.now() / 1000,
    monotonic: os.now,

    setTimeout: timers.setTimeout_,
    setInterval: timers.setInterval_,
    clearTimer: timers.clear_,

    readText: (path) => decodeUtf8(readBytes(path)),
    readBytes,
    writeAtomic,
    appendText,
    remove,
    rename,
    stat,
    readdir,
    mkdirp,

    openLines(path) {
      // by the path, not the descriptor: with stdin closed, a file opens as 0
      const stdin = path === '-';
      const fd = stdin ? 0 : check(os.open(path, os.O_RDONLY), 'open', path);
      return pullLines((buf, len) => readInto(fd, buf, len, stdin ? '<stdin>' : path), () => stdin || os.close(fd), text);
    },

    follow: (path, opts, onLine, onNotice) => followFile(
      tailFs,
      host,
      path,
      opts,
      (line, truncated) => guarded('follow onLine', onLine, line, truncated),
      (n) => guarded('follow onNotice', onNotice, n),
      text,
    ),

    stdinLines(onLine, onEnd) {
      const lines = new LineSplitter((l, t) => guarded('stdin onLine', onLine, l, t), undefined, text);
      // a flood on stdin must not starve the children (watchReads requeues)
      watchReads(0, LINE_CHUNK, (n) => lines.push_(readView.subarray(0, n)), () => {
        lines.flush_();
        guarded('stdin onEnd', onEnd);
      });
    },

    spawn: (argv, opts = {}) => spawnChild(argv, opts, text),

    onSignal(signal, cb) {
      const num = SIGNALS[signal];
      if (!num) throw new HostError('signal', String(signal), 22, 'unsupported signal');
      let list = handlers[signal];
      if (!list) {
        const fns: (() => void)[] = (list = handlers[signal] = []);
        os.signal(num, () => {
          for (const fn of fns.slice()) guarded(`${signal} handler`, fn);
        });
      }
      list.push(cb);
    },

    exit: (code) => {
      std.out.flush();
      std.err.flush();
      return std.exit(code);
    },
  };
  return host;
};
