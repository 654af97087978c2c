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

export class Batcher {
  // deps_ first, and no base class: measured cheaper per line in qjs than WithDeps (compat/lang.ts)
  private readonly deps_: BatcherDeps;

  constructor(deps_: BatcherDeps) {
    this.deps_ = deps_;
  }

  private readonly open_ = new Map<string, Open>();
  private readonly seq_ = new Map<string, number>();

  push(ev: NetEvent): void {
    const stream = this.deps_.streamOf?.(ev) ?? ev.type;
    let b = this.open_.get(stream);
    if (b === undefined) {
      b = { builder_: new BatchBuilder(), since_: -1 };
      this.open_.set(stream, b);
    }
    b.builder_.add_(ev);
    if (b.builder_.count_ >= (this.deps_.maxEvents ?? 500) || b.builder_.estimate_() >= (this.deps_.maxBytes ?? 65536)) {
      this.emit_(stream, b);
    }
  }

  /** Flushes batches older than maxAgeSec; call about once a second. */
  tick(nowSec: number): void {
    const maxAge = this.deps_.maxAgeSec ?? 60;
    for (const [stream, b] of this.open_) {
      if (b.since_ < 0) b.since_ = nowSec;
      else if (nowSec - b.since_ >= maxAge) this.emit_(stream, b);
    }
  }

  /** Flushes every open batch (at stop, or before a forced send). */
  flush(): void {
    for (const [stream, b] of this.open_) this.emit_(stream, b);
  }

  private emit_(stream: string, b: Open): void {
    this.open_.delete(stream);
    const d = this.deps_;
    const cn = d.counters;
    const n = b.builder_.count_;
    if (n === 0) return;
    const seq = this.seq_.get(stream) ?? d.firstSeq?.(stream) ?? 0;
    let bytes: Uint8Array;
    try {
      bytes = b.builder_.finish_({ sensor: d.sensor, boot: d.boot, seq, stream });
    } catch (e) {
      // Not expected (any JS value encodes); if it happens the events are lost, visibly.
      cn.drop(`batch_encode_${stream}`, n, errorText(e));
      return;
    }
    this.seq_.set(stream, seq + 1);
    cn.inc(`batches_${stream}`);
    cn.inc(`batch_events_${stream}`, n);
    cn.inc(`batch_bytes_${stream}`, bytes.length);
    try {
      d.onBatch(stream, seq, bytes);
    } catch (e) {
      cn.drop(`batch_sink_${stream}`, n, errorText(e));
    }
  }
}
