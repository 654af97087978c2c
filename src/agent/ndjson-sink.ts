// Writes events as NDJSON lines, batching writes: in qjs each write is a libc call, and the
// replay of a million lines should not pay one per event.
import type { EventSink, NetEvent } from '../events';
import type { Counters } from '../counters';

export class NdjsonSink implements EventSink {
  private buf: string[] = [];

  constructor(private readonly deps: { write: (text: string) => void; counters: Counters; batchLines?: number }) {}

  emit(ev: NetEvent): void {
    this.deps.counters.inc(`events_${ev.type}`);
    this.buf.push(JSON.stringify(ev));
    if (this.buf.length >= (this.deps.batchLines ?? 256)) this.flush();
  }

  flush(): void {
    if (this.buf.length === 0) return;
    const text = this.buf.join('\n') + '\n';
    this.buf = [];
    this.deps.write(text);
  }
}

/** Sends each event to every sink, in order. */
export class FanoutSink implements EventSink {
  constructor(private readonly sinks: EventSink[]) {}
  emit(ev: NetEvent): void {
    for (const s of this.sinks) s.emit(ev);
  }
}
