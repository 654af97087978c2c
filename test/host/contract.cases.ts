// What every Host must do, written once and run against both adapters: the Node host under
// node:test (contract.node.test.ts) and the QuickJS host inside real qjs (contract.quickjs.*).
// Children are plain programs (cat, seq, head, env, sleep), never a shell.
import type { Cases } from '../support/cases';
import { eq, deepEq, ok, throws } from '../support/check';
import { HostError, type Child, type ExitStatus, type FollowNotice, type Host } from '../../src/host/types';

const SIGTERM = 15;
const SIGKILL = 9;

export function contractCases(host: Host): Cases {
  const sleep = (ms: number): Promise<void> => new Promise((res) => host.setTimeout(res, ms));

  async function waitFor(what: string, cond: () => boolean, ms = 10000): Promise<void> {
    const end = host.monotonic() + ms;
    while (!cond()) {
      if (host.monotonic() > end) throw new Error(`timed out waiting for ${what}`);
      await sleep(5);
    }
  }

  function tempDir(tag: string): string {
    const dir = `/tmp/nl-host-${host.name}-${tag}-${host.pid()}-${Math.floor(host.now() * 1000)}`;
    host.mkdirp(dir);
    return dir;
  }

  function removeTree(path: string): void {
    const st = host.stat(path);
    if (!st) return;
    if (st.isDirectory) for (const n of host.readdir(path)) removeTree(`${path}/${n}`);
    host.remove(path);
  }

  async function inTemp(tag: string, fn: (dir: string) => Promise<void> | void): Promise<void> {
    const dir = tempDir(tag);
    try {
      await fn(dir);
    } finally {
      removeTree(dir);
    }
  }

  interface Run {
    child: Child;
    lines: string[];
    truncated: boolean[];
    errLines: string[];
    done: Promise<ExitStatus>;
    exits: number;
  }

  function run(argv: string[], opts: Parameters<Host['spawn']>[1] = {}): Run {
    const child = host.spawn(argv, opts);
    const r: Run = { child, lines: [], truncated: [], errLines: [], done: null as unknown as Promise<ExitStatus>, exits: 0 };
    child.onLine((l, t) => {
      r.lines.push(l);
      r.truncated.push(t);
    });
    child.onStderrLine((l) => r.errLines.push(l));
    r.done = new Promise((res) =>
      child.onExit((s) => {
        r.exits++; // checked by cases: exactly once
        res(s);
      }),
    );
    return r;
  }

  function errnoOf(fn: () => unknown): { op: string; path: string; errno: number } {
    try {
      fn();
    } catch (e) {
      ok(e instanceof HostError, `expected a HostError, got ${String(e)}`);
      const h = e as HostError;
      // no own field left undefined: esbuild's property mangling missed the class fields TS
      // parameter properties declare, so the qjs bundle's HostError had a `path: undefined` too
      const unset = Object.keys(h).filter((k) => (h as unknown as Record<string, unknown>)[k] === undefined);
      deepEq(unset, [], 'HostError fields left undefined');
      return { op: h.op, path: h.path, errno: h.errno };
    }
    throw new Error('expected a throw');
  }

  const fdCount = (): number => host.readdir('/proc/self/fd').length;

  return {
    'spawn: /bin/echo gives one line and exit code 0': async () => {
      const r = run(['/bin/echo', 'hello', 'wörld']);
      deepEq(await r.done, { code: 0, signal: null });
      deepEq(r.lines, ['hello wörld']);
      ok(r.child.pid > 0, 'pid');
    },

    'spawn: seq 1 100000 arrives whole across chunk boundaries': async () => {
      const r = run(['seq', '1', '100000']);
      deepEq(await r.done, { code: 0, signal: null });
      eq(r.lines.length, 100000, 'line count');
      let bad = -1;
      for (let i = 0; i < r.lines.length && bad < 0; i++) if (r.lines[i] !== String(i + 1)) bad = i;
      eq(bad, -1, `first wrong line (${r.lines[bad]})`);
    },

    'spawn: a 70 kB line is cut at maxLine and flagged; the next line is whole': async () => {
      await inTemp('long', async (dir) => {
        host.writeAtomic(`${dir}/f`, 'a'.repeat(70000) + '\nshort\n' + 'é'.repeat(10) + '\n');
        const r = run(['cat', `${dir}/f`]);
        await r.done;
        deepEq(r.truncated, [true, false, false]);
        eq(r.lines[0], 'a'.repeat(65536));
        eq(r.lines[1], 'short');
        const s = run(['cat', `${dir}/f`], { maxLine: 5 });
        await s.done;
        // é is two bytes: a cut never splits a character.
        deepEq(s.lines, ['aaaaa', 'short', 'éé']);
        deepEq(s.truncated, [true, false, true]);
      });
    },

    'spawn: invalid UTF-8 becomes U+FFFD and never throws': async () => {
      await inTemp('utf8', async (dir) => {
        const bytes = new Uint8Array([0x61, 0xff, 0x62, 0x0a, 0xe2, 0x82, 0x0a, 0xf0, 0x9f, 0x98, 0x80, 0xc0, 0xaf, 0x0a, 0xed, 0xa0, 0x80, 0x0a]);
        host.writeAtomic(`${dir}/bad`, bytes);
        const r = run(['cat', `${dir}/bad`]);
        await r.done;
        deepEq(r.lines, ['a\ufffdb', '\ufffd', '\u{1F600}\ufffd\ufffd', '\ufffd\ufffd\ufffd']);
        eq(host.readText(`${dir}/bad`).split('\n').join('|'), 'a\ufffdb|\ufffd|\u{1F600}\ufffd\ufffd|\ufffd\ufffd\ufffd|', 'readText');
      });
    },

    'spawn: stdin writes reach cat; closeStdin ends it; a last partial line is still a line': async () => {
      const r = run(['cat'], { stdin: 'pipe' });
      ok(r.child.write('one\ntwo\n') >= 0, 'write returns queued bytes');
      r.child.write(new Uint8Array([0x74, 0x68, 0x72, 0x65, 0x65]));
      r.child.closeStdin();
      eq(r.child.write('late'), -1, 'write after closeStdin');
      deepEq(await r.done, { code: 0, signal: null });
      deepEq(r.lines, ['one', 'two', 'three']);
      eq(r.child.write('dead'), -1, 'write after exit');
    },

    'spawn: 1 MB through cat with backpressure, no deadlock': async () => {
      const r = run(['cat'], { stdin: 'pipe' });
      const line = 'x'.repeat(63);
      let maxQueued = 0;
      for (let i = 0; i < 16384; i++) maxQueued = Math.max(maxQueued, r.child.write(`${i} ${line}\n`));
      ok(maxQueued > 65536, `bytes stay queued instead of blocking (max ${maxQueued})`);
      r.child.closeStdin();
      deepEq(await r.done, { code: 0, signal: null });
      eq(r.lines.length, 16384, 'lines back');
      eq(r.lines[16383], `16383 ${line}`);
    },

    'spawn: a child that stops reading early does not kill us (EPIPE, not SIGPIPE)': async () => {
      const r = run(['head', '-n', '1'], { stdin: 'pipe' });
      const block = 'z'.repeat(1023) + '\n';
      for (let i = 0; i < 1024; i++) r.child.write(block);
      deepEq(await r.done, { code: 0, signal: null });
      deepEq(r.lines, ['z'.repeat(1023)]);
      eq(r.child.write('more'), -1, 'write after exit');
      // Deterministic EPIPE: a blocking write into a FIFO whose only reader leaves after 1 byte.
      await inTemp('fifo', async (dir) => {
        deepEq(await run(['mkfifo', `${dir}/p`]).done, { code: 0, signal: null });
        const reader = run(['head', '-c', '1', `${dir}/p`]);
        eq(errnoOf(() => host.appendText(`${dir}/p`, 'q'.repeat(1 << 20))).errno, 32, 'EPIPE');
        await reader.done;
        deepEq(reader.lines, ['q']);
      });
      // Our children still get the default SIGPIPE (a pipeline stage must die when its reader goes).
      const st = run(['cat', '/proc/self/status']);
      await st.done;
      const ign = st.lines.find((l) => l.startsWith('SigIgn:'));
      ok(ign !== undefined, 'SigIgn line');
      eq(parseInt(ign!.slice(-8), 16) & (1 << 12), 0, `SIGPIPE not ignored in children (${ign})`);
    },

    'signals: SIGHUP and SIGTERM reach every registered handler': async () => {
      const got: string[] = [];
      host.onSignal('SIGHUP', () => got.push('hup1'));
      host.onSignal('SIGHUP', () => got.push('hup2'));
      host.onSignal('SIGTERM', () => got.push('term'));
      deepEq(await run(['kill', '-HUP', String(host.pid())]).done, { code: 0, signal: null });
      await waitFor('SIGHUP handlers', () => got.length >= 2);
      deepEq(await run(['kill', '-TERM', String(host.pid())]).done, { code: 0, signal: null });
      await waitFor('SIGTERM handler', () => got.length >= 3);
      deepEq(got, ['hup1', 'hup2', 'term']);
    },

    'spawn: bytes mode delivers raw chunks': async () => {
      const child = host.spawn(['head', '-c', '100000', '/dev/zero'], { stdout: 'bytes' });
      let total = 0;
      let nonZero = 0;
      child.onData((c) => {
        total += c.length;
        for (let i = 0; i < c.length; i++) if (c[i] !== 0) nonZero++;
      });
      const st = await new Promise<ExitStatus>((res) => child.onExit(res));
      deepEq(st, { code: 0, signal: null });
      eq(total, 100000, 'bytes');
      eq(nonZero, 0);
    },

    'spawn: exit codes and stderr lines': async () => {
      deepEq(await run(['false']).done, { code: 1, signal: null });
      deepEq(await run(['true']).done, { code: 0, signal: null });
      const r = run(['ls', '/nonexistent-nl-dir'], { stderr: 'lines' });
      deepEq(await r.done, { code: 2, signal: null });
      eq(r.errLines.length, 1, 'one stderr line');
      ok(r.errLines[0].includes('nonexistent-nl-dir'), r.errLines[0]);
      deepEq(r.lines, []);
    },

    'spawn: kill with SIGTERM and SIGKILL reports the signal': async () => {
      const a = run(['sleep', '30']);
      await sleep(20);
      a.child.kill();
      deepEq(await a.done, { code: null, signal: SIGTERM });
      const b = run(['sleep', '30'], { stdout: 'null' });
      b.child.kill('SIGKILL');
      deepEq(await b.done, { code: null, signal: SIGKILL });
      b.child.kill(); // after exit: a no-op, not a throw
    },

    'spawn: a missing program is a HostError, and nothing leaks': async () => {
      const before = fdCount();
      const e = errnoOf(() => host.spawn(['no-such-program-nl-xyz', 'a']));
      deepEq(e, { op: 'spawn', path: 'no-such-program-nl-xyz', errno: 2 });
      eq(errnoOf(() => host.spawn(['/nonexistent/bin/x'])).errno, 2);
      eq(errnoOf(() => host.spawn(['cat'], { cwd: '/nonexistent-nl-dir' })).op, 'spawn');
      throws(() => host.spawn([]), 'non-empty');
      eq(fdCount(), before, 'descriptors');
    },

    'spawn: env is merged over ours and cwd is honoured': async () => {
      await inTemp('env', async (dir) => {
        const r = run(['env'], { env: { NL_CONTRACT: 'yes' } });
        await r.done;
        ok(r.lines.includes('NL_CONTRACT=yes'), 'our variable');
        ok(r.lines.some((l) => l.startsWith('PATH=')), 'inherited PATH');
        const p = run(['pwd'], { cwd: dir });
        await p.done;
        deepEq(p.lines, [dir]);
      });
    },

    'spawn: 200 children leave the descriptor count flat': async () => {
      const before = fdCount();
      const all: Run[] = [];
      for (let batch = 0; batch < 10; batch++) {
        const runs: Run[] = [];
        for (let i = 0; i < 20; i++) {
          runs.push(run(['cat'], { stdin: 'pipe', stderr: i % 2 ? 'lines' : 'null', stdout: i % 3 ? 'lines' : 'null' }));
        }
        for (const r of runs) {
          r.child.write('ping\n');
          r.child.closeStdin();
        }
        for (const r of runs) deepEq(await r.done, { code: 0, signal: null });
        all.push(...runs);
      }
      await sleep(20);
      eq(fdCount(), before, 'descriptors after 200 children');
      for (const r of all) eq(r.exits, 1, 'onExit exactly once');
    },

    'timers: run in due order; cleared ones never run; intervals repeat until cleared': async () => {
      const seen: string[] = [];
      host.setTimeout(() => seen.push('30'), 30);
      host.setTimeout(() => seen.push('10'), 10);
      const gone = host.setTimeout(() => seen.push('cleared'), 15);
      host.setTimeout(() => seen.push('20'), 20);
      host.setTimeout(() => seen.push('0'), 0);
      host.clearTimer(gone);
      let ticks = 0;
      const iv = host.setInterval(() => {
        ticks++;
        if (ticks === 3) host.clearTimer(iv);
      }, 5);
      await sleep(80);
      deepEq(seen, ['0', '10', '20', '30']);
      eq(ticks, 3, 'interval ticks');
      host.clearTimer(iv); // twice: harmless
    },

    'clocks: now is epoch seconds, monotonic is milliseconds': async () => {
      const wall = host.now();
      ok(wall > 1.6e9 && wall < 4e9, `now ${wall}`);
      const t0 = host.monotonic();
      await sleep(50);
      const dt = host.monotonic() - t0;
      ok(dt >= 45 && dt < 2000, `monotonic advanced ${dt} ms over a 50 ms timer`);
    },

    'process: pid, getenv, args': () => {
      ok(host.pid() > 1, 'pid');
      ok((host.getenv('PATH') ?? '').length > 0, 'PATH');
      eq(host.getenv('NL_SURELY_UNSET_VARIABLE'), undefined);
      ok(Array.isArray(host.args), 'args');
    },

    'files: writeAtomic/readText round trip, overwrite, no temp file left': () =>
      inTemp('files', (dir) => {
        const p = `${dir}/state.json`;
        host.writeAtomic(p, '{"a":"ünïcode ✓ \u{1F600}"}\n');
        eq(host.readText(p), '{"a":"ünïcode ✓ \u{1F600}"}\n');
        host.writeAtomic(p, new Uint8Array([1, 2, 255]));
        deepEq(host.readBytes(p), new Uint8Array([1, 2, 255]));
        host.writeAtomic(p, '');
        eq(host.readText(p), '');
        deepEq(host.readdir(dir), ['state.json']);
        host.appendText(`${dir}/log`, 'a\n');
        host.appendText(`${dir}/log`, 'b\n');
        eq(host.readText(`${dir}/log`), 'a\nb\n');
        host.rename(`${dir}/log`, `${dir}/log.1`);
        deepEq(host.readdir(dir), ['log.1', 'state.json']);
        host.remove(`${dir}/log.1`);
        deepEq(host.readdir(dir), ['state.json']);
      }),

    'files: stat, mkdirp, readdir and errors': () =>
      inTemp('stat', (dir) => {
        eq(host.stat(`${dir}/missing`), null);
        eq(host.stat(`${dir}/missing/deeper`), null);
        host.writeAtomic(`${dir}/f`, 'hello');
        const st = host.stat(`${dir}/f`);
        ok(st !== null, 'stat of a file');
        eq(st!.size, 5);
        eq(st!.isDirectory, false);
        ok(st!.ino > 0 && Math.abs(st!.mtimeMs - host.now() * 1000) < 60000, 'ino and mtime');
        host.mkdirp(`${dir}/a/b/c`);
        host.mkdirp(`${dir}/a/b/c`);
        eq(host.stat(`${dir}/a/b`)!.isDirectory, true);
        deepEq(host.readdir(dir), ['a', 'f']);
        deepEq(errnoOf(() => host.readText(`${dir}/missing`)).errno, 2);
        ok(errnoOf(() => host.readText(`${dir}/missing`)).path.endsWith('/missing'), 'path in the error');
        eq(errnoOf(() => host.readdir(`${dir}/missing`)).errno, 2);
        eq(errnoOf(() => host.remove(`${dir}/missing`)).errno, 2);
        eq(errnoOf(() => host.mkdirp(`${dir}/f/x`)).errno, 20, 'ENOTDIR');
        eq(errnoOf(() => host.writeAtomic(`${dir}/nodir/x`, 'x')).errno, 2);
        ok(host.readText('/proc/self/stat').length > 0, '/proc files (size 0) read whole');
      }),

    'openLines: lines of a file, with and without a final newline': () =>
      inTemp('open', (dir) => {
        const read = (text: string | Uint8Array): string[] => {
          host.writeAtomic(`${dir}/in`, text);
          const r = host.openLines(`${dir}/in`);
          const out: string[] = [];
          for (let l = r.next(); l !== null; l = r.next()) out.push(l);
          eq(r.next(), null, 'stays at end');
          r.close();
          return out;
        };
        deepEq(read('a\nb\n'), ['a', 'b']);
        deepEq(read('a\nb'), ['a', 'b']);
        deepEq(read(''), []);
        deepEq(read('\n\n'), ['', '']);
        deepEq(read('crlf\r\n'), ['crlf\r']);
        deepEq(read(new Uint8Array([0x68, 0xfe, 0x0a])), ['h\ufffd']);
        const big: string[] = [];
        for (let i = 0; i < 30000; i++) big.push(`line ${i} ${'y'.repeat(i % 50)}`);
        deepEq(read(big.join('\n') + '\n'), big);
        const r = host.openLines(`${dir}/in`);
        eq(r.next(), big[0]);
        r.close();
        eq(r.next(), null, 'after close');
        eq(errnoOf(() => host.openLines(`${dir}/missing`)).errno, 2);
      }),

    'follow: appended lines arrive, a partial line waits for its newline': () =>
      inTemp('append', async (dir) => {
        const p = `${dir}/log`;
        host.writeAtomic(p, 'old\n');
        const got: string[] = [];
        const notes: FollowNotice[] = [];
        const f = host.follow(p, { pollMs: 10 }, (l) => got.push(l), (n) => notes.push(n));
        try {
          await sleep(30);
          host.appendText(p, 'one\ntw');
          await waitFor('one', () => got.length === 1);
          await sleep(40);
          deepEq(got, ['one']);
          host.appendText(p, 'o\nthree\n');
          await waitFor('three', () => got.length === 3);
          deepEq(got, ['one', 'two', 'three']);
          deepEq(notes, []);
        } finally {
          f.stop();
        }
        host.appendText(p, 'after stop\n');
        await sleep(40);
        eq(got.length, 3, 'nothing after stop');
      }),

    'follow: fromStart reads existing lines; truncation restarts at 0': () =>
      inTemp('trunc', async (dir) => {
        const p = `${dir}/log`;
        host.writeAtomic(p, 'a\nb\nc\n');
        const got: string[] = [];
        const notes: string[] = [];
        const f = host.follow(p, { pollMs: 10, fromStart: true }, (l) => got.push(l), (n) => notes.push(n.kind));
        try {
          await waitFor('existing', () => got.length === 3);
          host.writeAtomic(p, 'x\n'); // a new inode: that is rotation, so truncate in place instead
          await waitFor('rotated x', () => got.length === 4);
          deepEq(notes, ['rotated']);
          // truncate the same file in place (copytruncate): shrink it, then append
          const inoBefore = host.stat(p)!.ino;
          await truncateInPlace(p);
          eq(host.stat(p)!.ino, inoBefore, 'same inode');
          // Like tail -F, a shrink is seen only if a poll runs before the file regrows past pos.
          await waitFor('truncated notice', () => notes.length === 2);
          host.appendText(p, 'y\n');
          await waitFor('y', () => got.length === 5);
          deepEq(got, ['a', 'b', 'c', 'x', 'y']);
          deepEq(notes, ['rotated', 'truncated']);
        } finally {
          f.stop();
        }
      }),

    'follow: rotation by rename finishes the old file, then reads the new one': () =>
      inTemp('rotate', async (dir) => {
        const p = `${dir}/log`;
        host.writeAtomic(p, '');
        const got: string[] = [];
        const notes: string[] = [];
        const f = host.follow(p, { pollMs: 10 }, (l) => got.push(l), (n) => notes.push(n.kind));
        try {
          host.appendText(p, '1\n');
          await waitFor('1', () => got.length === 1);
          host.rename(p, `${p}.1`);
          host.appendText(`${p}.1`, '2\nlast-without-newline'); // the writer still holds the old file
          host.appendText(p, '3\n');
          await waitFor('3', () => got.length === 4);
          deepEq(got, ['1', '2', 'last-without-newline', '3']);
          deepEq(notes, ['rotated']);
          host.appendText(p, '4\n');
          await waitFor('4', () => got.length === 5);
        } finally {
          f.stop();
        }
      }),

    'follow: a missing file is noticed, then read from its start once created': () =>
      inTemp('missing', async (dir) => {
        const p = `${dir}/later`;
        const got: string[] = [];
        const notes: string[] = [];
        const f = host.follow(p, { pollMs: 10 }, (l) => got.push(l), (n) => notes.push(n.kind));
        try {
          eq(notes.length, 0, 'no callback inside follow()');
          await waitFor('missing', () => notes.length === 1);
          await sleep(30);
          deepEq(notes, ['missing'], 'noticed once');
          host.appendText(p, 'first\nsecond\n');
          await waitFor('lines', () => got.length === 2);
          deepEq(got, ['first', 'second']);
          deepEq(notes, ['missing', 'reopened']);
          host.remove(p);
          await waitFor('gone', () => notes.length === 3);
          host.appendText(p, 'third\n');
          await waitFor('third', () => got.length === 3);
          deepEq(notes, ['missing', 'reopened', 'missing', 'rotated']);
        } finally {
          f.stop();
        }
      }),

    'follow: long lines are cut at maxLine': () =>
      inTemp('followlong', async (dir) => {
        const p = `${dir}/log`;
        host.writeAtomic(p, '');
        const got: [string, boolean][] = [];
        const f = host.follow(p, { pollMs: 10, maxLine: 8 }, (l, t) => got.push([l, t]));
        try {
          host.appendText(p, '0123456789abc\nok\n');
          await waitFor('two lines', () => got.length === 2);
          deepEq(got, [['01234567', true], ['ok', false]]);
        } finally {
          f.stop();
        }
      }),
  };

  /** Empties a file without replacing it (what logrotate's copytruncate does). */
  async function truncateInPlace(path: string): Promise<void> {
    deepEq(await run(['truncate', '-s', '0', path]).done, { code: 0, signal: null }, 'truncate');
  }
}
