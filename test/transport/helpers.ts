// Shared pieces of the transport tests (Node only): an in-memory spool with the Spool API the
// shipper uses, a ByteStream over a Node socket or duplex, and a wait helper.
import { connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ByteStream } from '../../src/transport/mqtt/client';
import type { SpoolEntry, SpoolLike } from '../../src/transport/shipper';

export class MemSpool implements SpoolLike {
  entries: SpoolEntry[] = [];
  acked: string[] = [];
  private seq = 0;
  put(stream: string, payload: Uint8Array): SpoolEntry {
    const e = { id_: `${++this.seq}`.padStart(8, '0'), stream_: stream, payload_: payload };
    this.entries.push(e);
    return e;
  }
  pending_(): SpoolEntry[] {
    return this.entries.slice();
  }
  ack_(id: string): void {
    this.entries = this.entries.filter((e) => e.id_ !== id);
    this.acked.push(id);
  }
  bytes(): number {
    return this.entries.reduce((n, e) => n + e.payload_.length, 0);
  }
}

/** A ByteStream over any Node duplex (a socket, or one end of an in-process pair). */
export function duplexStream(d: Duplex): ByteStream {
  let closeCb: ((r: string) => void) | null = null;
  let done = false;
  const end = (why: string) => {
    if (done) return;
    done = true;
    closeCb?.(why);
  };
  d.on('error', (e) => end(`socket error: ${e.message}`));
  d.on('close', () => end('socket closed'));
  d.on('end', () => end('EOF from broker'));
  return {
    write_: (b) => { if (!done) d.write(b); },
    onData_: (cb) => d.on('data', (c: Buffer) => cb(new Uint8Array(c))),
    onClose_: (cb) => { closeCb = cb; },
    close_: () => { d.destroy(); end('closed'); },
  };
}

export function socketStream(port: number, host = '127.0.0.1'): ByteStream & { socket: Socket } {
  const s = netConnect(port, host);
  s.setNoDelay(true);
  return Object.assign(duplexStream(s), { socket: s });
}

export async function waitFor(what: string, cond: () => boolean, ms = 10000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const text = (b: Uint8Array | Buffer): string => Buffer.from(b).toString('utf8');
export const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s));
