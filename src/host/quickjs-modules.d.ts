// Types for the parts of QuickJS's built-in 'std' and 'os' modules that host/quickjs.ts uses
// (quickjs-libc.c, version 2025-04-26). Calls return a negative errno instead of throwing.

declare module 'std' {
  export interface FILE {
    puts(s: string): void;
    write(buf: ArrayBuffer, pos: number, len: number): number;
    read(buf: ArrayBuffer, pos: number, len: number): number;
    flush(): number;
    close(): number;
    error(): boolean;
    fileno(): number;
    /** The next line without its '\n', decoded as UTF-8; null at end of file. */
    getline(): string | null;
    /** The rest of the file (or max_size bytes) decoded as UTF-8. */
    readAsString(maxSize?: number): string;
  }
  export const SEEK_SET: number;
  export const SEEK_END: number;
  const _in: FILE;
  export { _in as in };
  export const out: FILE;
  export const err: FILE;
  export function open(path: string, mode: string, errorObj?: { errno?: number }): FILE | null;
  export function getenv(name: string): string | undefined;
  /** The whole file decoded as UTF-8 (read with one fread), or null when it cannot be read. */
  export function loadFile(path: string): string | null;
  export function getenviron(): Record<string, string>;
  export function exit(code: number): never;
  export function strerror(errno: number): string;
}

declare module 'os' {
  export const O_RDONLY: number;
  export const O_WRONLY: number;
  export const O_RDWR: number;
  export const O_APPEND: number;
  export const O_CREAT: number;
  export const O_EXCL: number;
  export const O_TRUNC: number;
  export const S_IFMT: number;
  export const S_IFREG: number;
  export const S_IFDIR: number;
  export const SIGINT: number;
  export const SIGTERM: number;
  export const SIGPIPE: number;
  export const SIGCHLD: number;
  export const WNOHANG: number;
  export interface Stat {
    dev: number;
    ino: number;
    mode: number;
    size: number;
    mtime: number;
  }
  export function open(path: string, flags: number, mode?: number): number;
  export function close(fd: number): number;
  export function seek(fd: number, offset: number, whence: number): number;
  export function read(fd: number, buf: ArrayBuffer, pos: number, len: number): number;
  export function write(fd: number, buf: ArrayBuffer, pos: number, len: number): number;
  export function remove(path: string): number;
  export function rename(from: string, to: string): number;
  export function mkdir(path: string, mode?: number): number;
  export function readdir(path: string): [string[], number];
  export function stat(path: string): [Stat | null, number];
  export function setReadHandler(fd: number, fn: (() => void) | null): void;
  export function setWriteHandler(fd: number, fn: (() => void) | null): void;
  export function signal(sig: number, fn: (() => void) | null | undefined): void;
  export function now(): number;
  export function setTimeout(fn: () => void, ms: number): number;
  export function clearTimeout(id: number): void;
  export function exec(argv: string[], opts: {
    block?: boolean;
    usePath?: boolean;
    file?: string;
    cwd?: string;
    stdin?: number;
    stdout?: number;
    stderr?: number;
    env?: Record<string, string>;
  }): number;
  export function getpid(): number;
  export function waitpid(pid: number, options: number): [number, number];
  export function pipe(): [number, number] | null;
  export function kill(pid: number, sig: number): number;
}
