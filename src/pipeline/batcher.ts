// Groups events per stream into wire batches (src/codec/batch.ts), flushed when a batch reaches
// maxEvents, about maxBytes (estimated), or maxAgeSec since its first event. Each (boot, stream)
// numbers its batches 0, 1, 2, ... so a consumer can drop duplicates and see gaps per stream.
import type { NetEvent } from '../events';
import type { Counters } from '../counters';
import { BatchBuilder } from '../codec/batch';
import { errorText } from '../compat/lang';

export interface BatcherDeps {
  sensor: string;
  /** Random id of this agent start; with the stream it scopes the sequence numbers. */
  boot: string;
  counters: Counters;
  /** Default 500: bigger batches share their string table over more events. */
  maxEvents?: number;
  /** Default 65536 (estimated encoded bytes). */
  maxBytes?: number;
  /** Default 60 s, measured from the first tick() that saw the batch open. */
  maxAgeSec?: number;
  onBatch: (stream: string, seq: number, bytes: Uint8Array) => void;
  /** First sequence number of a stream; default 0. */
  firstSeq?: (stream: string) => number;
  /** The stream an event travels in; default its type (dns, flow, pdns, alert, health, status). */
  streamOf?: (ev: NetEvent) => string;
}

interface Open {
  builder_: BatchBuilder;
  /** tick time when the batch was first seen open, or -1 before the next tick. */
  since_: number;
}

export interface Batcher {
  push(ev: NetEvent): void;
  /** Flushes batches older than maxAgeSec; call about once a second. */
  tick(nowSec: number): void;
  /** Flushes every open batch (at stop, or before a forced send). */
  flush(): void;
}

/**
 * `new Batcher(deps)`: a constructor function returning its object (state in closure locals:
 * shorter than `this.x_` members, and `var`: push runs per event, and qjs checks let/const for
 * their dead zone on every read).
 */
export const Batcher = function (d: BatcherDeps): Batcher {
  var { counters: cn, streamOf, maxEvents = 500, maxBytes = 65536 } = d;
  var open = new Map<string, Open>();
  var seqs = new Map<string, number>();
  const emit = (stream: string, b: Open): void => {
    open.delete(stream);
    const n = b.builder_.count_;
    if (n === 0) return;
    const seq = seqs.get(stream) ?? d.firstSeq?.(stream) ?? 0;
    let bytes: Uint8Array;
    try {
      bytes = b.builder_.finish_({ sensor: d.sensor, boot: d.boot, seq, stream });
    } catch (e) {
      // Not expected (any JS value encodes); if it happens the events are lost, visibly.
      return cn.drop(`batch_encode_${stream}`, n, errorText(e));
    }
    seqs.set(stream, seq + 1);
    cn.inc(`batches_${stream}`);
    cn.inc(`batch_events_${stream}`, n);
    cn.inc(`batch_bytes_${stream}`, bytes.length);
    try {
      d.onBatch(stream, seq, bytes);
    } catch (e) {
      cn.drop(`batch_sink_${stream}`, n, errorText(e));
    }
  };
  return {
    push(ev) {
      var stream = streamOf?.(ev) ?? ev.type;
      var b = open.get(stream);
      if (b === undefined) open.set(stream, (b = { builder_: new BatchBuilder(), since_: -1 }));
      b.builder_.add_(ev);
      if (b.builder_.count_ >= maxEvents || b.builder_.estimate_() >= maxBytes) emit(stream, b);
    },
    tick(nowSec) {
      const maxAge = d.maxAgeSec ?? 60;
      for (const [stream, b] of open) {
        if (b.since_ < 0) b.since_ = nowSec;
        else if (nowSec - b.since_ >= maxAge) emit(stream, b);
      }
    },
    flush() {
      for (const [stream, b] of open) emit(stream, b);
    },
  };
} as unknown as new (deps: BatcherDeps) => Batcher;
