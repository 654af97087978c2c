// Files on QuickJS through os.* descriptor calls, which return a negative errno; `check` is
// the one place such a result becomes a HostError.
import * as std from 'std';
import * as os from 'os';
import { HostError, type FileStat } from './types';
import type { FileId, TailFs } from './follow';
import { encodeUtf8 } from './utf8';
import { maxOf } from '../compat/lang';

const ENOENT = 2;
const EINTR = 4;
const EAGAIN = 11;
const EEXIST = 17;
const ENOTDIR = 20;

export function check(ret: number, op: string, path: string): number {
  if (ret < 0) throw new HostError(op, path, -ret, std.strerror(-ret));
  return ret;
}

function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? encodeUtf8(data) : data;
}

/** Writes all of data to a blocking descriptor (regular files). */
function writeAll(fd: number, data: Uint8Array, path: string): void {
  let off = 0;
  while (off < data.length) {
    const n = os.write(fd, data.buffer as ArrayBuffer, data.byteOffset + off, data.length - off);
    if (n === -EINTR || n === -EAGAIN) continue;
    off += check(n, 'write', path);
  }
}

function withFd<T>(fd: number, use: (fd: number) => T): T {
  try {
    return use(fd);
  } finally {
    os.close(fd);
  }
}

export function readBytes(path: string): Uint8Array {
  return withFd(check(os.open(path, os.O_RDONLY), 'open', path), (fd) => {
    const [st] = os.stat(path);
    // /proc files report size 0: read to end of file, whatever stat said.
    let buf = new Uint8Array(maxOf(4096, st ? st.size + 1 : 0));
    let len = 0;
    for (;;) {
      if (len === buf.length) {
        const grown = new Uint8Array(buf.length * 2);
        grown.set(buf);
        buf = grown;
      }
      const n = os.read(fd, buf.buffer, len, buf.length - len);
      if (n === -EINTR) continue;
      if (check(n, 'read', path) === 0) return buf.slice(0, len);
      len += n;
    }
  });
}

/** Writes bytes to path, opened with `flags` (created 0644). */
function writeFile(path: string, flags: number, bytes: Uint8Array): void {
  withFd(check(os.open(path, os.O_WRONLY | os.O_CREAT | flags, 0o644), 'open', path), (fd) => writeAll(fd, bytes, path));
}

export function writeAtomic(path: string, data: Uint8Array | string): void {
  const tmp = `${path}.tmp-${os.getpid()}`;
  const bytes = toBytes(data);
  try {
    writeFile(tmp, os.O_TRUNC, bytes);
    check(os.rename(tmp, path), 'rename', path);
  } catch (e) {
    os.remove(tmp);
    throw e;
  }
}

export function appendText(path: string, text: string): void {
  writeFile(path, os.O_APPEND, encodeUtf8(text));
}

export function remove(path: string): void {
  check(os.remove(path), 'remove', path);
}

export function rename(from: string, to: string): void {
  check(os.rename(from, to), 'rename', `${from} -> ${to}`);
}

export function stat(path: string): FileStat | null {
  const [st, err] = os.stat(path);
  if (!st) {
    if (err === ENOENT || err === ENOTDIR) return null;
    check(-err, 'stat', path);
    return null;
  }
  return { size: st.size, mtimeMs: st.mtime, ino: st.ino, dev: st.dev, isDirectory: (st.mode & os.S_IFMT) === os.S_IFDIR };
}

export function isExecutable(path: string): boolean {
  const [st] = os.stat(path);
  return !!st && (st.mode & os.S_IFMT) === os.S_IFREG && (st.mode & 0o111) !== 0;
}

/** Entry names without '.' and '..', sorted so both hosts list alike. */
export function readdir(path: string): string[] {
  const [names, err] = os.readdir(path);
  check(-err, 'readdir', path);
  return names.filter((n) => n !== '.' && n !== '..').sort();
}

export function mkdirp(path: string): void {
  let at = path.startsWith('/') ? '' : '.';
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    at += '/' + part;
    const r = os.mkdir(at, 0o755);
    if (r === -EEXIST) {
      const st = stat(at);
      if (st && st.isDirectory) continue;
      check(-ENOTDIR, 'mkdir', at); // as mkdir -p reports a file in the way
    }
    check(r, 'mkdir', at);
  }
}

/** Blocking read for the pull reader; throws HostError. */
export function readInto(fd: number, buf: Uint8Array, len: number, path: string): number {
  for (;;) {
    const n = os.read(fd, buf.buffer as ArrayBuffer, buf.byteOffset, len);
    if (n !== -EINTR) return check(n, 'read', path);
  }
}

function fileId(path: string): FileId | null {
  const [st] = os.stat(path);
  return st ? { size_: st.size, ino_: st.ino, dev_: st.dev } : null;
}

/** Descriptor calls for follow(); QuickJS has no fstat, and /proc/self/fd/N is its Linux form. */
export const tailFs: TailFs = {
  stat_: fileId,
  fstat_: (fd) => fileId(`/proc/self/fd/${fd}`),
  open_: (path) => os.open(path, os.O_RDONLY),
  read_: (fd, buf, len) => {
    const n = os.read(fd, buf.buffer as ArrayBuffer, buf.byteOffset, len);
    return n === -EINTR ? os.read(fd, buf.buffer as ArrayBuffer, buf.byteOffset, len) : n;
  },
  seek_: (fd, pos) => {
    os.seek(fd, pos, std.SEEK_SET);
  },
  close_: (fd) => {
    os.close(fd);
  },
};
