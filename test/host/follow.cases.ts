// followFile over an in-memory file and a manual clock: the cases a real file system cannot
// time on demand (a truncated file that regrows past the read position between two polls).
import type { Cases } from '../support/cases';
import { deepEq } from '../support/check';
import { followFile, type TailFs } from '../../src/host/follow';
import type { TimerHandle } from '../../src/host/types';

/** One file at 'log' (ino 1), rewritten in place by `set`; polls run on `poll()`. */
function rig() {
  let data: Uint8Array = new Uint8Array(0);
  const at = new Map<number, number>(); // fd -> position
  const due: (() => void)[] = [];
  const enc = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
  const fs: TailFs = {
    stat_: () => ({ size: data.length, ino: 1, dev: 1 }),
    fstat_: () => ({ size: data.length, ino: 1, dev: 1 }),
    open_: () => { at.set(3, 0); return 3; },
    read_: (fd, buf, len) => {
      const p = at.get(fd)!;
      const n = Math.max(0, Math.min(len, data.length - p));
      buf.set(data.subarray(p, p + n));
      at.set(fd, p + n);
      return n;
    },
    seek_: (fd, pos) => { at.set(fd, pos); },
    close_: (fd) => { at.delete(fd); },
  };
  const timers = {
    setTimeout: (fn: () => void): TimerHandle => { due.push(fn); return { id: due.length }; },
    clearTimer: () => undefined,
  };
  const got: string[] = [];
  const notes: string[] = [];
  return {
    got, notes,
    start: () => followFile(fs, timers, 'log', { fromStart: true }, (l) => got.push(l), (n) => notes.push(n.kind)),
    append: (s: string) => { const b = enc(s); const d = new Uint8Array(data.length + b.length); d.set(data); d.set(b, data.length); data = d; },
    set: (s: string) => { data = enc(s); },
    poll: () => { for (const fn of due.splice(0)) fn(); },
  };
}

export const cases: Cases = {
  'follow: a file truncated and regrown past the read position between two polls is read from its start': () => {
    const r = rig();
    r.append('one 1\ntwo 2\n');
    const f = r.start();
    r.poll();
    deepEq(r.got, ['one 1', 'two 2']);
    // copytruncate, then the writer logs more than was there before the next poll
    r.set('three 3\nfour 4\nfive 5\n');
    r.poll();
    deepEq(r.got, ['one 1', 'two 2', 'three 3', 'four 4', 'five 5']);
    deepEq(r.notes, ['truncated']);
    // and plain appends after it go on as usual
    r.append('six 6\n');
    r.poll();
    deepEq(r.got.slice(5), ['six 6']);
    deepEq(r.notes, ['truncated']);
    f.stop();
  },

  'follow: a file rewritten in place at the same size is read again from its start': () => {
    const r = rig();
    r.append('aaaa 1\n');
    const f = r.start();
    r.poll();
    r.set('bbbb 2\n');
    r.poll();
    deepEq(r.got, ['aaaa 1', 'bbbb 2']);
    deepEq(r.notes, ['truncated']);
    f.stop();
  },

  'follow: appends alone never look like a rewrite': () => {
    const r = rig();
    const f = r.start();
    for (let i = 0; i < 200; i++) {
      r.append(`line ${i}\n`.repeat(i % 7));
      r.poll();
    }
    deepEq(r.notes, []);
    deepEq(r.got.length, [...Array(200).keys()].reduce((n, i) => n + (i % 7), 0));
    f.stop();
  },
};
