// Starts a real Mosquitto (the Debian package) for a test: a plain listener on a free loopback
// port, optionally a password file and a TLS listener with a CA and a server certificate (for
// `localhost` and 127.0.0.1) made with openssl. Mosquitto started as root drops to its own user,
// so the temporary directory and every file in it are made readable by that user.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, readFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface MosquittoOptions {
  /** user → password; when given, anonymous clients are refused. */
  users?: Record<string, string>;
  /** Add a TLS listener (CA + server cert for localhost/127.0.0.1, client cert made too). */
  tls?: boolean;
  /** TLS listener demands a client certificate signed by the CA. */
  requireClientCert?: boolean;
  /** Keep sessions and retained messages across restart() (persistence on). Default true. */
  persistence?: boolean;
}

export interface Mosquitto {
  host: string;
  port: number;
  tlsPort: number | null;
  dir: string;
  /** CA certificate, server name, and a CA-signed client certificate/key (when tls). */
  caFile: string;
  serverName: string;
  clientCert: string;
  clientKey: string;
  /** A second CA that did not sign the server: for "bad certificate" tests. */
  otherCaFile: string;
  pid(): number | null;
  /** Mosquitto's log so far (stdout+stderr). */
  log(): string;
  /** SIGTERM and wait; the directory stays for restart(). */
  stop(): Promise<void>;
  /** Start again on the same ports with the same config. */
  restart(): Promise<void>;
  /** stop() and remove the directory. */
  cleanup(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function run(argv: string[], cwd: string): void {
  const r = spawnSync(argv[0], argv.slice(1), { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.stderr}`);
}

/** A CA, a server cert for localhost/127.0.0.1, and a client cert (EC P-256: fast to make). */
export function makeCertificates(dir: string): void {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run(['openssl', 'req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=netledger test CA'], dir);
  run(['openssl', 'req', '-x509', ...ec, '-keyout', 'other-ca.key', '-out', 'other-ca.pem', '-days', '2', '-subj', '/CN=unrelated CA'], dir);
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  run(['openssl', 'req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost'], dir);
  run(['openssl', 'x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'server.ext'], dir);
  run(['openssl', 'req', ...ec, '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=netledger-sensor'], dir);
  run(['openssl', 'x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.pem', '-days', '2'], dir);
}

async function waitForPort(port: number, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`mosquitto did not listen on ${port} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startMosquitto(opts: MosquittoOptions = {}): Promise<Mosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'nl-mosq-'));
  const port = await freePort();
  const tlsPort = opts.tls ? await freePort() : null;
  const lines = [
    'per_listener_settings false',
    `persistence ${opts.persistence === false ? 'false' : 'true'}`,
    `persistence_location ${dir}/`,
    'log_dest stdout',
    // stdout is block-buffered into a pipe; the file is written line by line, so log() is current.
    `log_dest file ${dir}/mosquitto.log`,
    'log_type all',
    'max_inflight_messages 100',
    `listener ${port} 127.0.0.1`,
  ];
  if (opts.users) {
    const pw = join(dir, 'passwd');
    let first = true;
    for (const [u, p] of Object.entries(opts.users)) {
      run(['mosquitto_passwd', '-b', ...(first ? ['-c'] : []), pw, u, p], dir);
      first = false;
    }
    lines.push('allow_anonymous false', `password_file ${pw}`);
  } else {
    lines.push('allow_anonymous true');
  }
  if (opts.tls) {
    makeCertificates(dir);
    lines.push(`listener ${tlsPort} 127.0.0.1`, `cafile ${dir}/ca.pem`, `certfile ${dir}/server.pem`, `keyfile ${dir}/server.key`);
    if (opts.requireClientCert) lines.push('require_certificate true');
  }
  writeFileSync(join(dir, 'mosquitto.conf'), lines.join('\n') + '\n');
  // Readable (and the directory writable, for persistence) by the mosquitto user.
  chmodSync(dir, 0o777);
  for (const f of readdirSync(dir)) chmodSync(join(dir, f), 0o644);

  let proc: ChildProcess | null = null;
  let log = '';
  const launch = async (): Promise<void> => {
    const p = spawn('mosquitto', ['-c', join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
    proc = p;
    p.stdout!.on('data', (c: Buffer) => { log += c.toString(); });
    p.stderr!.on('data', (c: Buffer) => { log += c.toString(); });
    const exited = new Promise<never>((_, reject) => p.once('exit', (code) => reject(new Error(`mosquitto exited (${code}) at start:\n${log}`))));
    await Promise.race([waitForPort(port, 5000).then(() => (tlsPort ? waitForPort(tlsPort, 5000) : undefined)), exited]);
    exited.catch(() => undefined);
  };
  const stop = async (): Promise<void> => {
    const p = proc;
    proc = null;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const done = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await done;
  };
  await launch();
  return {
    host: '127.0.0.1',
    port,
    tlsPort,
    dir,
    caFile: join(dir, 'ca.pem'),
    otherCaFile: join(dir, 'other-ca.pem'),
    serverName: 'localhost',
    clientCert: join(dir, 'client.pem'),
    clientKey: join(dir, 'client.key'),
    pid: () => (proc as ChildProcess | null)?.pid ?? null,
    log: () => {
      let file = '';
      try {
        file = readFileSync(join(dir, 'mosquitto.log'), 'utf8');
      } catch {
        // not written yet
      }
      return file || log;
    },
    stop,
    restart: async () => {
      await stop();
      await launch();
    },
    cleanup: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
