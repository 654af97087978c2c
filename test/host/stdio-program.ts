// A tiny program run as a real process by stdio.test.ts, once per host: what a Host does with
// its own stdin, stdout and exit cannot be tested from inside the test process.
import type { Host } from '../../src/host/types';

export function runStdioProgram(host: Host): void {
  const [mode, ...rest] = host.args;
  const show = (v: unknown): void => host.writeStdout(JSON.stringify(v) + '\n');
  if (mode === 'stdin') {
    host.stdinLines((l, t) => show([l.length > 40 ? `${l.slice(0, 10)}…${l.length}` : l, t]), () => {
      show('END');
      host.exit(3);
    });
  } else if (mode === 'pull') {
    const r = host.openLines('-');
    for (let l = r.next(); l !== null; l = r.next()) show(l.length > 40 ? `${l.slice(0, 10)}…${l.length}` : l);
    show('END');
    host.exit(0);
  } else if (mode === 'flood') {
    for (let i = 0; i < 100000; i++) host.writeStdout(`line ${i}\n`);
    host.writeStderr('to stderr\n');
    host.exit(4);
  } else if (mode === 'args') {
    show(rest);
    host.exit(0);
  } else if (mode === 'pull-error') {
    // rest[0] cannot be read (a directory): the error names it, even when it is open as fd 0
    try {
      host.openLines(rest[0]).next();
    } catch (e) {
      show((e as Error).message);
    }
    host.exit(0);
  } else if (mode === 'throw') {
    // A callback that throws is reported (what failed, the error) and the loop carries on.
    host.stdinLines((l) => {
      if (l === 'empty') throw new Error();
      throw new TypeError(`bad ${l}`);
    }, () => host.exit(0));
  } else if (mode === 'idle-child') {
    // The loop must stay alive while a child without pipes runs, and see it exit.
    const c = host.spawn(['sleep', '0.2'], { stdout: 'null' });
    c.onExit((s) => show(s));
  } else {
    host.writeStderr(`unknown mode ${mode}\n`);
    host.exit(2);
  }
}
