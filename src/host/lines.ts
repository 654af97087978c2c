// Cuts a byte stream into '\n'-terminated lines, decoded as UTF-8. Shared by both hosts so a
// child's output, a followed file and stdin split identically. Memory is bounded by maxLine:
// past it the rest of the line is skipped and the kept head is delivered flagged `truncated`.
import { decodeUtf8, latin1 } from './utf8';

export type LineSink = (line: string, truncated: boolean) => void;

export const DEFAULT_MAX_LINE = 65536;

/** Any byte that is not ASCII, seen in a Latin-1 view of the bytes. */
const HIGH = /[\x80-\xff]/;

/** A line seen as Latin-1, turned into real text; bytes[start, end) are the same line. */
function decodeLine(latin: string, bytes: Uint8Array, start: number, end: number): string {
  if (!HIGH.test(latin)) return latin;
  try {
    return decodeURIComponent(escape(latin)); // native, and throws on any malformed UTF-8
  } catch {
    return decodeUtf8(bytes, start, end); // repairs, one U+FFFD per bad subpart
  }
}

/** Largest cut <= max that does not split a UTF-8 sequence (continuation bytes are 10xxxxxx). */
function charBoundary(bytes: Uint8Array, start: number, max: number): number {
  let cut = start + max;
  for (let back = 0; back < 3 && cut > start && (bytes[cut] & 0xc0) === 0x80; back++) cut--;
  return cut;
}

export class LineSplitter {
  private pending_: Uint8Array;
  private pendingLen_ = 0;
  private skipping_ = false;
  private readonly maxLine_: number;

  private readonly sink_: LineSink;

  constructor(sink_: LineSink, maxLine = DEFAULT_MAX_LINE) {
    this.sink_ = sink_;
    this.maxLine_ = maxLine > 0 ? Math.floor(maxLine) : DEFAULT_MAX_LINE;
    this.pending_ = new Uint8Array(Math.min(this.maxLine_, 4096));
  }

  /** Feeds bytes[start, end). The caller may reuse `bytes` afterwards. */
  push_(bytes: Uint8Array, start = 0, end = bytes.length): void {
    const text = latin1(bytes, start, end);
    const ascii = !HIGH.test(text); // one regex per chunk, not per line
    const n = end - start;
    let p = 0;
    while (p < n) {
      const nl = text.indexOf('\n', p);
      const stop = nl < 0 ? n : nl;
      if (nl >= 0 && this.pendingLen_ === 0 && !this.skipping_ && stop - p <= this.maxLine_) {
        const line = text.slice(p, stop); // whole line inside this chunk: no copy of bytes
        this.sink_(ascii ? line : decodeLine(line, bytes, start + p, start + stop), false);
      } else {
        this.keep_(bytes, start + p, start + stop);
        if (nl >= 0) this.emitPending_();
      }
      if (nl < 0) return;
      p = nl + 1;
    }
  }

  /** End of input: a last line without '\n' is still a line. */
  flush_(): void {
    if (this.pendingLen_ > 0 || this.skipping_) this.emitPending_();
  }

  /** Drops a partial line (the file it came from was truncated). */
  reset_(): void {
    this.pendingLen_ = 0;
    this.skipping_ = false;
  }

  get hasPartial_(): boolean {
    return this.pendingLen_ > 0 || this.skipping_;
  }

  private keep_(bytes: Uint8Array, from: number, to: number): void {
    if (this.skipping_ || from === to) return;
    const room = this.maxLine_ - this.pendingLen_;
    let take = to - from;
    if (take > room) {
      take = charBoundary(bytes, from, room) - from;
      this.skipping_ = true;
    }
    const need = this.pendingLen_ + take;
    if (need > this.pending_.length) {
      const grown = new Uint8Array(Math.min(this.maxLine_, Math.max(need, this.pending_.length * 2)));
      grown.set(this.pending_.subarray(0, this.pendingLen_));
      this.pending_ = grown;
    }
    this.pending_.set(bytes.subarray(from, from + take), this.pendingLen_);
    this.pendingLen_ += take;
  }

  private emitPending_(): void {
    const line = decodeUtf8(this.pending_, 0, this.pendingLen_);
    const truncated = this.skipping_;
    this.pendingLen_ = 0;
    this.skipping_ = false;
    if (this.pending_.length > 65536) this.pending_ = new Uint8Array(4096); // give back a huge line
    this.sink_(line, truncated);
  }
}
