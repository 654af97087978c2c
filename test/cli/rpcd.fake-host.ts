// A Host made of a file map, captured output and a fixed clock, for the check-config and rpcd
// commands: engine-neutral, so the same cases run under Node and qjs.
import { HostError, type Host, type FileStat, type LineReader } from '../../src/host/types';

export interface FakeHost extends Host {
  files: Record<string, string>;
  stdout: string;
  stderr: string;
  stdin: string;
  clock: number;
}

export function fakeHost(files: Record<string, string> = {}, opts: { stdin?: string; now?: number } = {}): FakeHost {
  const h = {
    name: 'node',
    args: [],
    files,
    stdout: '',
    stderr: '',
    stdin: opts.stdin ?? '',
    clock: opts.now ?? 1795476000,
    getenv: () => undefined,
    pid: () => 4242,
    writeStdout(t: string) { h.stdout += t; },
    writeStderr(t: string) { h.stderr += t; },
    now: () => h.clock,
    readText(path: string): string {
      if (!(path in h.files)) throw new HostError('open', path, 2, 'No such file or directory');
      return h.files[path];
    },
    stat(path: string): FileStat | null {
      const dir = Object.keys(h.files).some((f) => f.startsWith(path + '/'));
      if (!(path in h.files) && !dir) return null;
      return { size: (h.files[path] ?? '').length, mtimeMs: 0, ino: 1, dev: 1, isDirectory: dir };
    },
    openLines(path: string): LineReader {
      if (path !== '-') throw new Error('fake host reads only stdin');
      const lines = h.stdin === '' ? [] : h.stdin.replace(/\n$/, '').split('\n');
      let i = 0;
      return { next: () => (i < lines.length ? lines[i++] : null), close() {} };
    },
  };
  return h as unknown as FakeHost;
}
