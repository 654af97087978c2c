// ByteStream over a child process's pipes, since QuickJS has no sockets: `nc HOST PORT` for
// mqtt:// (busybox nc on OpenWrt; plain TCP, typically inside a WireGuard tunnel) and
// `openssl s_client -quiet` for mqtts://, which verifies the chain and the host name and exits
// before any byte is exchanged when either fails. Spawned with argv, never a shell. The child
// dying is the stream closing, with the tail of its stderr as the reason.
import type { Child, Host, TimerHandle } from '../host/types';
import type { ByteStream } from './mqtt/client';
import type { BrokerUrl } from './url';

export interface TlsFiles {
  caFile: string;
  certFile?: string;
  keyFile?: string;
  /** Name checked against the certificate; default the URL's host. */
  serverName?: string;
}

export interface StreamCommandOptions {
  /** Command for plain TCP, host and port appended. Default ['nc'] (busybox's applet on OpenWrt). */
  nc?: string[];
  /** openssl binary. Default 'openssl'. */
  openssl?: string;
  tls?: TlsFiles;
}

/** The argv that carries MQTT bytes to `url`. Throws when mqtts:// lacks a CA file. */
export function streamArgv(url: BrokerUrl, opts: StreamCommandOptions = {}): string[] {
  if (url.scheme === 'mqtt') return [...(opts.nc ?? ['nc']), url.host, String(url.port)];
  const tls = opts.tls;
  if (!tls || !tls.caFile) throw new Error('mqtts:// needs a CA file (tls.caFile) to verify the broker');
  if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) throw new Error('a client certificate needs both cert and key files');
  const name = tls.serverName ?? url.host;
  const hostPort = url.host.indexOf(':') >= 0 ? `[${url.host}]:${url.port}` : `${url.host}:${url.port}`;
  const argv = [opts.openssl ?? 'openssl', 's_client', '-quiet', '-verify_return_error', '-CAfile', tls.caFile];
  if (tls.certFile !== undefined) argv.push('-cert', tls.certFile, '-key', tls.keyFile!);
  // -verify_hostname checks the certificate; -servername sends SNI (IP literals get none).
  argv.push('-verify_hostname', name);
  if (!isIpLiteral(name)) argv.push('-servername', name);
  argv.push('-connect', hostPort);
  return argv;
}

function isIpLiteral(h: string): boolean {
  if (h.indexOf(':') >= 0) return true;
  for (let i = 0; i < h.length; i++) {
    const c = h.charCodeAt(i);
    if (!(c === 46 || (c >= 48 && c <= 57))) return false;
  }
  return true;
}

const STDERR_KEEP = 6;
const CLOSE_GRACE_MS = 1000;

/** A ByteStream over a spawned child: stdin carries our bytes, stdout the broker's. */
export class ChildStream implements ByteStream {
  #child: Child | null = null;
  #dataCb: ((b: Uint8Array) => void) | null = null;
  #closeCb: ((reason: string) => void) | null = null;
  #closedByUs = false;
  #done = false;
  readonly #stderr: string[] = [];
  #killTimer: TimerHandle | null = null;

  readonly #deps: { host: Host; argv: string[] };
  constructor(deps: { host: Host; argv: string[] }) { this.#deps = deps; }

  /** Spawns the child; throws HostError when it cannot. */
  start(): this {
    const argv = this.#deps.argv;
    const child = this.#deps.host.spawn(argv, { stdin: 'pipe', stdout: 'bytes', stderr: 'lines' });
    this.#child = child;
    child.onData((b) => {
      if (!this.#done && this.#dataCb) this.#dataCb(b);
    });
    child.onStderrLine((line) => {
      // openssl -quiet still reports verification and connection errors here.
      this.#stderr.push(line.length > 300 ? line.slice(0, 300) : line);
      if (this.#stderr.length > STDERR_KEEP) this.#stderr.shift();
    });
    child.onExit((st) => {
      this.#child = null;
      if (this.#killTimer) this.#deps.host.clearTimer(this.#killTimer);
      this.#killTimer = null;
      if (this.#done) return;
      this.#done = true;
      const how = st.code !== null ? `exited with code ${st.code}` : `killed by signal ${st.signal}`;
      const why = this.#closedByUs ? 'closed' : `${argv[0]} ${how}${this.#stderr.length ? ': ' + this.#stderr.join(' | ') : ''}`;
      this.#closeCb?.(why);
    });
    return this;
  }

  get pid(): number | null {
    return this.#child ? this.#child.pid : null;
  }

  write(b: Uint8Array): void {
    if (this.#child && !this.#done) this.#child.write(b);
  }

  onData(cb: (b: Uint8Array) => void): void {
    this.#dataCb = cb;
  }

  onClose(cb: (reason: string) => void): void {
    this.#closeCb = cb;
  }

  /** Ends the child. Its exit still calls onClose, with 'closed'. */
  close(): void {
    if (this.#done || this.#closedByUs) return;
    this.#closedByUs = true;
    const c = this.#child;
    if (!c) return;
    c.closeStdin();
    // Give the child a moment to pass on what we wrote last (a DISCONNECT, which makes the broker
    // discard the will and close: nc then exits by itself). netcat-openbsd without -N keeps the
    // socket open after stdin EOF, so a child still there after the grace is ended outright.
    this.#killTimer = this.#deps.host.setTimeout(() => {
      this.#killTimer = null;
      if (this.#child === c) c.kill('SIGTERM');
    }, CLOSE_GRACE_MS);
  }
}

/** A `connect()` factory for MqttClient: each call spawns a fresh child. */
export function brokerStreamFactory(host: Host, url: BrokerUrl, opts: StreamCommandOptions = {}): () => ByteStream {
  const argv = streamArgv(url, opts);
  return () => new ChildStream({ host, argv }).start();
}
