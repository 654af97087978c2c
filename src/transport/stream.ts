// ByteStream over a child process's pipes, since QuickJS has no sockets: `nc HOST PORT` for
// mqtt:// (busybox nc on OpenWrt; plain TCP, typically inside a WireGuard tunnel) and
// `openssl s_client -quiet` for mqtts://, which verifies the chain and the host name and exits
// before any byte is exchanged when either fails. Spawned with argv, never a shell. The child
// dying is the stream closing, with the tail of its stderr as the reason.
import type { Child, Host, TimerHandle } from '../host/types';
import type { ByteStream } from './mqtt/client';
import type { BrokerUrl } from './url';
import { WithDeps } from '../compat/lang';

export interface TlsFiles {
  caFile_: string;
  certFile_?: string;
  keyFile_?: string;
  /** Name checked against the certificate; default the URL's host. */
  serverName_?: string;
}

export interface StreamCommandOptions {
  /** Command for plain TCP, host and port appended. Default ['nc'] (busybox's applet on OpenWrt). */
  nc_?: string[];
  /** openssl binary. Default 'openssl'. */
  openssl_?: string;
  tls_?: TlsFiles;
}

/** The argv that carries MQTT bytes to `url`. Throws when mqtts:// lacks a CA file. */
export function streamArgv(url: BrokerUrl, opts: StreamCommandOptions = {}): string[] {
  if (url.scheme === 'mqtt') return [...(opts.nc_ ?? ['nc']), url.host, String(url.port)];
  const tls = opts.tls_;
  if (!tls || !tls.caFile_) throw new Error('mqtts:// needs a CA file (tls.caFile) to verify the broker');
  if ((tls.certFile_ === undefined) !== (tls.keyFile_ === undefined)) throw new Error('a client certificate needs both cert and key files');
  const name = tls.serverName_ ?? url.host;
  const hostPort = url.host.indexOf(':') >= 0 ? `[${url.host}]:${url.port}` : `${url.host}:${url.port}`;
  const argv = [opts.openssl_ ?? 'openssl', 's_client', '-quiet', '-verify_return_error', '-CAfile', tls.caFile_];
  if (tls.certFile_ !== undefined) argv.push('-cert', tls.certFile_, '-key', tls.keyFile_!);
  // -verify_hostname checks the certificate; -servername sends SNI (IP literals get none).
  argv.push('-verify_hostname', name);
  if (!isIpLiteral(name)) argv.push('-servername', name);
  argv.push('-connect', hostPort);
  return argv;
}

/** An IPv6 literal (has ':') or digits and dots only. */
function isIpLiteral(h: string): boolean {
  return h.indexOf(':') >= 0 || /^[\d.]*$/.test(h);
}

const STDERR_KEEP = 6;
const CLOSE_GRACE_MS = 1000;

/** A ByteStream over a spawned child: stdin carries our bytes, stdout the broker's. */
export class ChildStream extends WithDeps<{ host: Host; argv: string[] }> implements ByteStream {
  declare private child_?: Child | null;
  declare private dataCb_?: ((b: Uint8Array) => void) | null;
  declare private closeCb_?: ((reason: string) => void) | null;
  declare private closedByUs_?: boolean;
  declare private done_?: boolean;
  private readonly stderr_: string[] = [];
  declare private killTimer_?: TimerHandle | null;

  /** Spawns the child; throws HostError when it cannot. */
  start_(): this {
    const argv = this.deps_.argv;
    const child = this.deps_.host.spawn(argv, { stdin: 'pipe', stdout: 'bytes', stderr: 'lines' });
    this.child_ = child;
    child.onData((b) => {
      if (!this.done_ && this.dataCb_) this.dataCb_(b);
    });
    child.onStderrLine((line) => {
      // openssl -quiet still reports verification and connection errors here.
      this.stderr_.push(line.length > 300 ? line.slice(0, 300) : line);
      if (this.stderr_.length > STDERR_KEEP) this.stderr_.shift();
    });
    child.onExit((st) => {
      this.child_ = null;
      if (this.killTimer_) this.deps_.host.clearTimer(this.killTimer_);
      this.killTimer_ = null;
      if (this.done_) return;
      this.done_ = true;
      const how = st.code !== null ? `exited with code ${st.code}` : `killed by signal ${st.signal}`;
      const why = this.closedByUs_ ? 'closed' : `${argv[0]} ${how}${this.stderr_.length ? ': ' + this.stderr_.join(' | ') : ''}`;
      this.closeCb_?.(why);
    });
    return this;
  }

  get pid_(): number | null {
    return this.child_ ? this.child_.pid : null;
  }

  write_(b: Uint8Array): void {
    if (this.child_ && !this.done_) this.child_.write(b);
  }

  onData_(cb: (b: Uint8Array) => void): void {
    this.dataCb_ = cb;
  }

  onClose_(cb: (reason: string) => void): void {
    this.closeCb_ = cb;
  }

  /** Ends the child. Its exit still calls onClose, with 'closed'. */
  close_(): void {
    if (this.done_ || this.closedByUs_) return;
    this.closedByUs_ = true;
    const c = this.child_;
    if (!c) return;
    c.closeStdin();
    // Give the child a moment to pass on what we wrote last (a DISCONNECT, which makes the broker
    // discard the will and close: nc then exits by itself). netcat-openbsd without -N keeps the
    // socket open after stdin EOF, so a child still there after the grace is ended outright.
    this.killTimer_ = this.deps_.host.setTimeout(() => {
      this.killTimer_ = null;
      if (this.child_ === c) c.kill('SIGTERM');
    }, CLOSE_GRACE_MS);
  }
}

/** A `connect()` factory for MqttClient: each call spawns a fresh child. */
export function brokerStreamFactory(host: Host, url: BrokerUrl, opts: StreamCommandOptions = {}): () => ByteStream {
  const argv = streamArgv(url, opts);
  return () => new ChildStream({ host, argv }).start_();
}
