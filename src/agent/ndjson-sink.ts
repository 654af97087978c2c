// Writes events as NDJSON lines, batching writes: in qjs each write is a libc call, and the
// replay of a million lines should not pay one per event. Lines come from encodeNdjson (the
// hand-written dns/pdns writers, JSON.stringify for the rest).
import type { EventSink, NetEvent } from '../events';
import type { CounterCell, Counters } from '../counters';
import { encodeDnsLine, encodeNdjson, type DnsLineSource } from '../codec/ndjson';

// Per-line methods declare locals with var: qjs checks every read of a let/const local for its dead zone.
export class NdjsonSink implements EventSink {
  private buf_: string[] = [];
  private readonly batchLines_: number;
  /** events_<type> counts, one cell per type (a template string and inc() per event are dear). */
  private readonly cells_: Record<string, CounterCell> = Object.create(null);

  private readonly deps_: { write: (text: string) => void; counters: Counters; batchLines?: number };

  constructor(deps_: { write: (text: string) => void; counters: Counters; batchLines?: number }) {
    this.deps_ = deps_;
    this.batchLines_ = deps_.batchLines ?? 256;
  }

  emit(ev: NetEvent): void {
    this.emitLine(ev.type, encodeNdjson(ev));
  }

  /**
   * A line already encoded (one event of this type, no trailing newline), counted like emit():
   * lets a producer that needs no event object write its line straight (Pipeline's `dns` path).
   */
  emitLine(type: string, line: string): void {
    var c = this.cells_[type];
    if (c === undefined) {
      c = this.deps_.counters.cell(`events_${type}`);
      this.cells_[type] = c;
    }
    c.n++;
    var buf = this.buf_;
    buf[buf.length] = line; // push() is a call, dear in qjs
    if (buf.length >= this.batchLines_) this.flush();
  }

  /** emitLine('dns', encodeDnsLine(...)) as one call: Pipeline's dns path, once per event. */
  emitDns_(t: DnsLineSource, sensor: string, device: { mac?: string; hostname?: string } | undefined): void {
    var c = this.dnsCell_;
    if (c === null) c = this.dnsCell_ = this.deps_.counters.cell('events_dns');
    c.n++;
    var buf = this.buf_;
    buf[buf.length] = encodeDnsLine(t, sensor, device);
    if (buf.length >= this.batchLines_) this.flush();
  }

  private dnsCell_: CounterCell | null = null;

  flush(): void {
    if (this.buf_.length === 0) return;
    var buf = this.buf_;
    buf[buf.length] = ''; // the last line's newline comes with the join: no copy of the batch to add it
    this.buf_ = [];
    this.deps_.write(buf.join('\n'));
  }
}

/** Sends each event to every sink, in order. */
export const fanoutSink = (sinks: EventSink[]): EventSink => ({
  emit(ev: NetEvent): void {
    for (const s of sinks) s.emit(ev);
  },
});
