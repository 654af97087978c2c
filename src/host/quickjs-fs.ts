// Files on QuickJS through os.* descriptor calls, which return a negative errno; `check` is
// the one place such a result becomes a HostError.
import * as std from 'std';
import * as os from 'os';
import { HostError, type FileStat } from './types';
import type { FileId, TailFs } from './follow';
import { encodeUtf8 } from './utf8';
import { maxOf } from '../compat/lang';

import { EAGAIN, EEXIST, EINTR, ENOENT, ENOTDIR } from './errno';

export const check = (ret: number, op: string, path: string): number => {
  if (ret < 0) throw new HostError(op, path, -ret, std.strerror(-ret));
  return ret;
};

/** Opens path with `flags` (created 0644), runs use(fd) and closes it whatever happens. */
const withFile = <T>(path: string, flags: number, use: (fd: number) => T): T => {
  const fd = check(os.open(path, flags, 0o644), 'open', path);
  try {
    return use(fd);
  } finally {
    os.close(fd);
  }
};

export const readBytes = (path: string): Uint8Array => {
  return withFile(path, os.O_RDONLY, (fd) => {
    const [st] = os.stat(path);
    // /proc files report size 0: read to end of file, whatever stat said.
    let buf = new Uint8Array(maxOf(4096, st ? st.size + 1 : 0));
    let len = 0;
    for (let n; (n = readInto(fd, buf.subarray(len), buf.length - len, path)); ) {
      len += n;
      if (len === buf.length) {
        const grown = new Uint8Array(len * 2);
        grown.set(buf);
        buf = grown;
      }
    }
    return buf.slice(0, len);
  });
};

/** Writes all of data to path (a regular file: blocking writes), opened with `flags`. */
const writeFile = (path: string, flags: number, data: Uint8Array | string): void => {
  const bytes = typeof data === 'string' ? encodeUtf8(data) : data;
  withFile(path, os.O_WRONLY | os.O_CREAT | flags, (fd) => {
    for (let off = 0; off < bytes.length; ) {
      const n = os.write(fd, bytes.buffer as ArrayBuffer, bytes.byteOffset + off, bytes.length - off);
      if (n !== -EINTR && n !== -EAGAIN) off += check(n, 'write', path);
    }
  });
};

export const writeAtomic = (path: string, data: Uint8Array | string): void => {
  const tmp = `${path}.tmp-${os.getpid()}`;
  try {
    writeFile(tmp, os.O_TRUNC, data);
    check(os.rename(tmp, path), 'rename', path);
  } catch (e) {
    os.remove(tmp);
    throw e;
  }
};

// (their results are for no one: the Host's methods return nothing)
export const appendText = (path: string, text: string) => writeFile(path, os.O_APPEND, text);

export const remove = (path: string) => check(os.remove(path), 'remove', path);

export const rename = (from: string, to: string) => check(os.rename(from, to), 'rename', `${from} -> ${to}`);

export const stat = (path: string): FileStat | null => {
  const [st, err] = os.stat(path);
  if (st) return { size: st.size, mtimeMs: st.mtime, ino: st.ino, dev: st.dev, isDirectory: (st.mode & os.S_IFMT) === os.S_IFDIR };
  if (err !== ENOENT && err !== ENOTDIR) check(-err, 'stat', path);
  return null;
};

export const isExecutable = (path: string): boolean => {
  const [st] = os.stat(path);
  return !!st && (st.mode & os.S_IFMT) === os.S_IFREG && (st.mode & 0o111) !== 0;
};

/** Entry names without '.' and '..', sorted so both hosts list alike. */
export const readdir = (path: string): string[] => {
  const [names, err] = os.readdir(path);
  check(-err, 'readdir', path);
  return names.filter((n) => n !== '.' && n !== '..').sort();
};

export const mkdirp = (path: string): void => {
  let at = path[0] === '/' ? '' : '.';
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    at += '/' + part;
    const r = os.mkdir(at, 0o755);
    if (r !== -EEXIST) check(r, 'mkdir', at);
    else if (!stat(at)?.isDirectory) check(-ENOTDIR, 'mkdir', at); // as mkdir -p reports a file in the way
  }
};

/** Reads into buf[0..len) again while interrupted: a count, 0 at end of file, or -errno. */
const readRaw = (fd: number, buf: Uint8Array, len: number): number => {
  for (;;) {
    const n = os.read(fd, buf.buffer as ArrayBuffer, buf.byteOffset, len);
    if (n !== -EINTR) return n;
  }
};

/** Blocking read for the pull reader; throws HostError. */
export const readInto = (fd: number, buf: Uint8Array, len: number, path: string): number => check(readRaw(fd, buf, len), 'read', path);

/** os.stat's object has the size, ino and dev that follow() compares; null when stat fails. */
const fileId = (path: string): FileId | null => os.stat(path)[0];

/** Descriptor calls for follow(); QuickJS has no fstat, and /proc/self/fd/N is its Linux form. */
export const tailFs: TailFs = {
  stat_: fileId,
  fstat_: (fd) => fileId(`/proc/self/fd/${fd}`),
  open_: (path) => os.open(path, os.O_RDONLY),
  read_: readRaw,
  seek_: (fd, pos) => os.seek(fd, pos, std.SEEK_SET),
  close_: os.close,
};
