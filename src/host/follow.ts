// `tail -F` over a small file-descriptor interface, shared by both hosts so rotation and
// truncation behave the same everywhere. Polling (not inotify) because QuickJS offers only
// stat: every pollMs the open file is drained, then the path is compared with what we hold.
import type { FollowNotice, FollowOptions, Follower, TimerHandle } from './types';
import { LINE_CHUNK, LineSplitter, type AsciiText } from './lines';

/** What stat says of a file (the platform's own names: qjs's os.stat gives these objects). */
export interface FileId {
  size: number;
  ino: number;
  dev: number;
}

/** The few descriptor calls follow needs; errors are negative errno / null, never throws. */
export interface TailFs {
  stat_(path: string): FileId | null;
  fstat_(fd: number): FileId | null;
  /** Read-only open, or a negative errno. */
  open_(path: string): number;
  /** Bytes read into buf[0..len), 0 at end of file, or a negative errno. */
  read_(fd: number, buf: Uint8Array, len: number): number;
  seek_(fd: number, pos: number): void;
  close_(fd: number): void;
}

export interface TailTimers {
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimer(h: TimerHandle): void;
}

/** Most bytes taken from one file per wake-up; the rest is read on an immediate next turn. */
const BUDGET = 1 << 20;
/** The last bytes read, kept to see the file rewritten under the read position (see check). */
const TAIL = 32;

export const followFile = (
  fs: TailFs,
  timers: TailTimers,
  path: string,
  opts: FollowOptions,
  onLine: (line: string, truncated: boolean) => void,
  onNotice: (n: FollowNotice) => void,
  text: AsciiText | null = null,
): Follower => {
  const pollMs = opts.pollMs! > 0 ? opts.pollMs! : 250;
  const buf = new Uint8Array(LINE_CHUNK);
  const lines = new LineSplitter(onLine, opts.maxLine, text);
  let fd = -1;
  let id: FileId | null = null;
  let pos = 0;
  let gone = false; // path known missing (notice already sent)
  let stopped = false;
  let timer: TimerHandle | null = null;
  const tail = new Uint8Array(TAIL);
  let tailLen = 0;

  const notice = (kind: FollowNotice['kind']): void => onNotice({ kind, path } as FollowNotice);
  /** The path went missing: said once. */
  const missing = (): false => {
    if (!gone) notice('missing');
    gone = true;
    return false;
  };

  const openPath = (atEnd: boolean): boolean => {
    const f = fs.open_(path);
    if (f < 0) return false;
    const st = fs.fstat_(f);
    if (!st) {
      fs.close_(f);
      return false;
    }
    fd = f;
    id = st;
    tailLen = 0;
    pos = atEnd ? st.size : 0;
    if (pos > 0) fs.seek_(fd, pos);
    return true;
  };

  const closeFd = (): void => {
    if (fd >= 0) fs.close_(fd);
    fd = -1;
    id = null;
  };

  /** Reads what is there, up to the budget; true when the budget ran out first. */
  const drain = (): boolean => {
    let taken = 0;
    while (fd >= 0 && taken < BUDGET) {
      const n = fs.read_(fd, buf, LINE_CHUNK);
      if (n <= 0) return false; // end of file (or an error: the next poll's checks decide)
      pos += n;
      taken += n;
      tailLen = n < TAIL ? n : TAIL; // (of the last read alone: a line or more, as a rule)
      tail.set(buf.subarray(n - tailLen, n));
      lines.push_(buf.subarray(0, n));
      if (stopped) return false;
    }
    return fd >= 0;
  };

  /** Re-reads the last bytes read (leaving the file at pos when they match): do they differ? */
  const rewritten = (): boolean => {
    if (!tailLen) return false;
    fs.seek_(fd, pos - tailLen);
    const n = fs.read_(fd, buf, tailLen);
    // (a read error is not a rewrite: back to pos, the next poll's checks decide)
    if (n < 0) fs.seek_(fd, pos);
    else for (let i = 0; i < tailLen; i++) if (n !== tailLen || buf[i] !== tail[i]) return true;
    return false;
  };

  const poll = (): void => {
    timer = null;
    if (stopped) return;
    let more = false;
    try {
      more = check();
    } finally {
      if (!stopped) timer = timers.setTimeout(poll, more ? 0 : pollMs);
    }
  };

  const check = (): boolean => {
    if (fd < 0) {
      if (!openPath(false)) return missing();
      if (gone) notice('reopened');
      gone = false;
      return drain();
    }
    // Truncated in place: smaller than what was read. Or truncated and grown past the read
    // position between two polls (copytruncate, then a burst), or rewritten at the same size:
    // the bytes just before the position are not the ones read there. Either way, from 0.
    const now = fs.fstat_(fd);
    if (now && now.size < pos || rewritten()) {
      notice('truncated');
      lines.reset_();
      pos = 0;
      tailLen = 0;
      fs.seek_(fd, 0);
      return drain();
    }
    if (drain()) return true;
    const named = fs.stat_(path);
    // the writer may still append to the unlinked file; keep it until a successor
    if (!named) return missing();
    if (id && (named.ino !== id.ino || named.dev !== id.dev)) {
      while (drain()) {
        /* finish the old file before switching */
      }
      lines.flush_();
      closeFd();
      gone = false;
      if (!openPath(false)) return false;
      notice('rotated');
      return drain();
    }
    if (gone) {
      gone = false; // the same file came back under its name (renamed back)
      notice('reopened');
    }
    return false;
  };

  // A missing file is reported by the first poll, so no callback runs inside follow() itself.
  const opened = openPath(!opts.fromStart);
  timer = timers.setTimeout(poll, opened && !opts.fromStart ? pollMs : 0);

  return {
    stop(): void {
      if (stopped) return;
      stopped = true;
      if (timer) timers.clearTimer(timer);
      timer = null;
      closeFd();
    },
  };
};
