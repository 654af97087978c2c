// Cuts a byte stream into '\n'-terminated lines, decoded as UTF-8. Shared by both hosts so a
// child's output, a followed file and stdin split identically. Memory is bounded by maxLine:
// past it the rest of the line is skipped and the kept head is delivered flagged `truncated`.
import { decodeUtf8 } from './utf8';

export type LineSink = (line: string, truncated: boolean) => void;

export const DEFAULT_MAX_LINE = 65536;

/** Largest cut <= max that does not split a UTF-8 sequence (continuation bytes are 10xxxxxx). */
function charBoundary(bytes: Uint8Array, start: number, max: number): number {
  let cut = start + max;
  for (let back = 0; back < 3 && cut > start && (bytes[cut] & 0xc0) === 0x80; back++) cut--;
  return cut;
}

export class LineSplitter {
  private pending: Uint8Array;
  private pendingLen = 0;
  private skipping = false;
  private readonly maxLine: number;

  constructor(private readonly sink: LineSink, maxLine = DEFAULT_MAX_LINE) {
    this.maxLine = maxLine > 0 ? Math.floor(maxLine) : DEFAULT_MAX_LINE;
    this.pending = new Uint8Array(Math.min(this.maxLine, 4096));
  }

  /** Feeds bytes[start, end). The caller may reuse `bytes` afterwards. */
  push(bytes: Uint8Array, start = 0, end = bytes.length): void {
    let p = start;
    while (p < end) {
      const nl = bytes.indexOf(10, p);
      const stop = nl < 0 || nl >= end ? end : nl;
      if (this.pendingLen === 0 && !this.skipping && stop !== end && stop - p <= this.maxLine) {
        this.sink(decodeUtf8(bytes, p, stop), false); // whole line inside this chunk: no copy
      } else {
        this.keep(bytes, p, stop);
        if (stop !== end) this.emitPending();
      }
      if (stop === end) return;
      p = stop + 1;
    }
  }

  /** End of input: a last line without '\n' is still a line. */
  flush(): void {
    if (this.pendingLen > 0 || this.skipping) this.emitPending();
  }

  /** Drops a partial line (the file it came from was truncated). */
  reset(): void {
    this.pendingLen = 0;
    this.skipping = false;
  }

  get hasPartial(): boolean {
    return this.pendingLen > 0 || this.skipping;
  }

  private keep(bytes: Uint8Array, from: number, to: number): void {
    if (this.skipping || from === to) return;
    const room = this.maxLine - this.pendingLen;
    let take = to - from;
    if (take > room) {
      take = charBoundary(bytes, from, room) - from;
      this.skipping = true;
    }
    const need = this.pendingLen + take;
    if (need > this.pending.length) {
      const grown = new Uint8Array(Math.min(this.maxLine, Math.max(need, this.pending.length * 2)));
      grown.set(this.pending.subarray(0, this.pendingLen));
      this.pending = grown;
    }
    this.pending.set(bytes.subarray(from, from + take), this.pendingLen);
    this.pendingLen += take;
  }

  private emitPending(): void {
    const line = decodeUtf8(this.pending, 0, this.pendingLen);
    const truncated = this.skipping;
    this.pendingLen = 0;
    this.skipping = false;
    if (this.pending.length > 65536) this.pending = new Uint8Array(4096); // give back a huge line
    this.sink(line, truncated);
  }
}
