// ByteStream over a child process's pipes, since QuickJS has no sockets: `nc HOST PORT` for
// mqtt:// (busybox nc on OpenWrt; plain TCP, typically inside a WireGuard tunnel) and
// `openssl s_client -quiet` for mqtts://, which verifies the chain and the host name and exits
// before any byte is exchanged when either fails. Spawned with argv, never a shell. The child
// dying is the stream closing, with the tail of its stderr as the reason.
import type { Child, Host, TimerHandle } from '../host/types';
import type { ByteStream } from './mqtt/client';
import { hostPort, type BrokerUrl } from './url';

/** As the mqtt config section names them (the shipping sink passes the section). */
export interface TlsFiles {
  /** The CA certificates (PEM) that verify the broker; '' or absent: the system bundle. */
  ca_file?: string;
  /** A client certificate and its key: both or neither ('' is none). */
  cert_file?: string;
  key_file?: string;
  /** Name checked against the certificate; default the URL's host. */
  serverName_?: string;
  /** false: no host name check (the chain is still verified against the CAs). Default true. */
  verify_hostname?: boolean;
}

export interface StreamCommandOptions {
  /** Command for plain TCP, host and port appended. Default ['nc'] (busybox's applet on OpenWrt). */
  nc_?: string[];
  /** openssl binary. Default 'openssl'. */
  openssl_?: string;
  tls_?: TlsFiles;
}

/** The argv that carries MQTT bytes to `url`. Throws when a client certificate lacks its key or the reverse. */
export const streamArgv = (url: BrokerUrl, opts: StreamCommandOptions = {}): string[] => {
  if (url.scheme === 'mqtt') return [...(opts.nc_ ?? ['nc']), url.host, String(url.port)];
  const tls = opts.tls_ ?? {};
  const cert = tls.cert_file;
  if (!cert !== !tls.key_file) throw new Error('a client certificate needs both cert and key files');
  const name = tls.serverName_ ?? url.host;
  // -verify_hostname checks the certificate's names (unless the config turned it off: the chain
  // is verified all the same); -servername sends SNI (IP literals get none: an IPv6 literal has
  // ':', an IPv4 one digits and dots only).
  return [opts.openssl_ ?? 'openssl', 's_client', '-quiet', '-verify_return_error', '-CAfile', tls.ca_file || '/etc/ssl/certs/ca-certificates.crt',
    ...(cert ? ['-cert', cert, '-key', tls.key_file!] : []),
    ...(tls.verify_hostname === false ? [] : ['-verify_hostname', name]), ...(name.indexOf(':') >= 0 || /^[\d.]*$/.test(name) ? [] : ['-servername', name]),
    '-connect', hostPort(url)];
};

/** A ByteStream over a child it spawns (throws HostError when it cannot): stdin carries our bytes, stdout the broker's. */
export const childStream = (host: Host, argv: string[]): ByteStream => {
  // One closure, not a class: its state is locals (shorter in the bundle than fields).
  let child: Child | null = host.spawn(argv, { stdin: 'pipe', stdout: 'bytes', stderr: 'lines' });
  let dataCb: ((b: Uint8Array) => void) | undefined;
  let closeCb: ((reason: string) => void) | undefined;
  let closedByUs = false;
  let killTimer: TimerHandle | undefined;
  const stderr: string[] = [];
  // A host calls onExit once, after the last data (stdout's end): `child` is null from then on.
  child.onData((b) => dataCb?.(b));
  child.onStderrLine((line) => {
    // openssl -quiet still reports verification and connection errors here: keep the last 6.
    if (stderr.push(line.slice(0, 300)) > 6) stderr.shift();
  });
  child.onExit((st) => {
    child = null;
    if (killTimer) host.clearTimer(killTimer);
    closeCb?.(closedByUs ? 'closed'
      : `${argv[0]} ${st.code !== null ? `exited with code ${st.code}` : `killed by signal ${st.signal}`}${stderr.length ? `: ${stderr.join(' | ')}` : ''}`);
  });
  return {
    write_(b) {
      child?.write(b);
    },
    onData_(cb) {
      dataCb = cb;
    },
    onClose_(cb) {
      closeCb = cb;
    },
    /** Ends the child. Its exit still calls onClose, with 'closed'. */
    close_() {
      if (closedByUs) return;
      closedByUs = true;
      const c = child;
      if (!c) return;
      c.closeStdin();
      // Give the child a moment to pass on what we wrote last (a DISCONNECT, which makes the
      // broker discard the will and close: nc then exits by itself). netcat-openbsd without -N
      // keeps the socket open after stdin EOF, so a child still there after 1 s is ended outright.
      killTimer = host.setTimeout(() => {
        if (child === c) c.kill('SIGTERM');
      }, 1000);
    },
  };
};

/** A `connect()` factory for MqttClient: each call spawns a fresh child. */
export const brokerStreamFactory = (host: Host, url: BrokerUrl, opts: StreamCommandOptions = {}): () => ByteStream => {
  const argv = streamArgv(url, opts);
  return () => childStream(host, argv);
};
