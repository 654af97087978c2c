// The one boundary between netledger's core and the platform it runs on.
// The core never imports a runtime: it receives a Host where the agent is assembled.
// Two implementations: host/quickjs.ts (std/os, on the router) and host/node.ts (development).
// test/host/contract.ts holds the behaviour both must share.

export type SignalName = 'SIGTERM' | 'SIGINT' | 'SIGHUP';

/** A failed platform call, errno-style, with what was being done. */
export class HostError extends Error {
  // Assigned in the constructor, not TS parameter properties: esbuild leaves the class fields
  // those declare unmangled (`path` is an internal name), so the qjs bundle's errors had a
  // `path` field left undefined beside the mangled one. `declare`: no field emitted at all.
  declare readonly op: string;
  declare readonly path: string;
  declare readonly errno: number;

  constructor(op: string, path: string, errno: number, detail?: string) {
    super(`${op} ${path}: ${detail ?? `errno ${errno}`}`);
    this.op = op;
    this.path = path;
    this.errno = errno;
    this.name = 'HostError';
  }
}

export interface TimerHandle {
  readonly id: number;
}

export interface FileStat {
  size: number;
  /** modification time, epoch milliseconds */
  mtimeMs: number;
  ino: number;
  dev: number;
  isDirectory: boolean;
}

/** A synchronous pull reader of lines; used by replay to merge sources in time order. */
export interface LineReader {
  /** Next line without its '\n' (a trailing '\r' is kept), or null at end of input. */
  next(): string | null;
  close(): void;
}

export interface SpawnOptions {
  /** 'pipe' gives write()/closeStdin(); 'null' connects /dev/null. Default 'null'. */
  stdin?: 'pipe' | 'null';
  /** 'lines' delivers onLine, 'bytes' delivers onData. Default 'lines'. */
  stdout?: 'lines' | 'bytes' | 'null';
  /** 'lines' delivers onStderrLine; 'inherit' shares ours; default 'null'. */
  stderr?: 'lines' | 'inherit' | 'null';
  /** Extra environment variables (merged over ours). */
  env?: Record<string, string>;
  cwd?: string;
  /** Longest line delivered; longer lines are cut and flagged. Default 65536. */
  maxLine?: number;
}

export interface ExitStatus {
  /** exit code, or null when killed by a signal */
  code: number | null;
  /** signal number when killed by a signal */
  signal: number | null;
}

export interface Child {
  readonly pid: number;
  /** Each complete line of stdout (without '\n'). `truncated` when it exceeded maxLine. */
  onLine(cb: (line: string, truncated: boolean) => void): void;
  onData(cb: (chunk: Uint8Array) => void): void;
  onStderrLine(cb: (line: string) => void): void;
  /** Called once, after stdout reached EOF and the child was reaped. */
  onExit(cb: (status: ExitStatus) => void): void;
  /**
   * Queue bytes for the child's stdin without blocking; returns the bytes still queued
   * (backpressure signal). Writing after the child died is a no-op returning -1.
   */
  write(data: Uint8Array | string): number;
  closeStdin(): void;
  kill(signal?: 'SIGTERM' | 'SIGKILL' | 'SIGINT' | 'SIGHUP'): void;
}

export interface FollowOptions {
  /** Start at the beginning of the file rather than its end. */
  fromStart?: boolean;
  /** Poll interval in ms for growth/rotation checks. Default 250. */
  pollMs?: number;
  maxLine?: number;
}

export type FollowNotice =
  | { kind: 'truncated'; path: string }
  | { kind: 'rotated'; path: string }
  | { kind: 'missing'; path: string }
  | { kind: 'reopened'; path: string };

export interface Follower {
  stop(): void;
}

export interface Host {
  readonly name: 'quickjs' | 'node';
  /** Arguments after the script path. */
  readonly args: string[];
  getenv(name: string): string | undefined;
  pid(): number;

  writeStdout(text: string): void;
  writeStderr(text: string): void;

  /** Wall clock, epoch seconds (fractional). */
  now(): number;
  /** Monotonic clock in milliseconds. */
  monotonic(): number;

  setTimeout(fn: () => void, ms: number): TimerHandle;
  setInterval(fn: () => void, ms: number): TimerHandle;
  clearTimer(handle: TimerHandle): void;

  /** Whole file as UTF-8 text; throws HostError. */
  readText(path: string): string;
  readBytes(path: string): Uint8Array;
  /** Write via a temporary file and rename, so readers never see half a file. */
  writeAtomic(path: string, data: Uint8Array | string): void;
  appendText(path: string, text: string): void;
  remove(path: string): void;
  rename(from: string, to: string): void;
  /** null when the path does not exist. */
  stat(path: string): FileStat | null;
  readdir(path: string): string[];
  mkdirp(path: string): void;

  /** Lines of a file, or of stdin when path is '-'. */
  openLines(path: string): LineReader;
  /** Follow a growing file like `tail -F`: new lines as they are appended, surviving rotation. */
  follow(path: string, opts: FollowOptions, onLine: (line: string, truncated: boolean) => void,
    onNotice?: (n: FollowNotice) => void): Follower;
  /** Lines of stdin as they arrive, without blocking the loop; onEnd at EOF. */
  stdinLines(onLine: (line: string, truncated: boolean) => void, onEnd: () => void): void;

  /** Spawn argv[0] with argv (searched in PATH), never through a shell. Throws HostError. */
  spawn(argv: string[], opts?: SpawnOptions): Child;

  onSignal(signal: SignalName, cb: () => void): void;
  /** Flush outputs and end the process. */
  exit(code: number): never;
}
