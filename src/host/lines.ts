// Cuts a byte stream into '\n'-terminated lines, decoded as UTF-8. Shared by both hosts so a
// child's output, a followed file and stdin split identically. Memory is bounded by maxLine:
// past it the rest of the line is skipped and the kept head is delivered flagged `truncated`.
import { decodeUtf8 } from './utf8';

export type LineSink = (line: string, truncated: boolean) => void;

export const DEFAULT_MAX_LINE = 65536;

/** Any byte that is not ASCII, seen in a Latin-1 view of the bytes. */
const HIGH = /[\x80-\xff]/;

/**
 * Bytes as a Latin-1 string, one char per byte, so string positions equal byte positions.
 * One native call per 4096 bytes: in QuickJS this and the string search/slice below are far
 * cheaper than looking at bytes one by one in JS.
 */
function latin1(bytes: Uint8Array, start: number, end: number): string {
  let out = '';
  for (let p = start; p < end; p += 4096) {
    out += String.fromCharCode.apply(null, bytes.subarray(p, Math.min(end, p + 4096)) as unknown as number[]);
  }
  return out;
}

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
    const text = latin1(bytes, start, end);
    const ascii = !HIGH.test(text); // one regex per chunk, not per line
    const n = end - start;
    let p = 0;
    while (p < n) {
      const nl = text.indexOf('\n', p);
      const stop = nl < 0 ? n : nl;
      if (nl >= 0 && this.pendingLen === 0 && !this.skipping && stop - p <= this.maxLine) {
        const line = text.slice(p, stop); // whole line inside this chunk: no copy of bytes
        this.sink(ascii ? line : decodeLine(line, bytes, start + p, start + stop), false);
      } else {
        this.keep(bytes, start + p, start + stop);
        if (nl >= 0) this.emitPending();
      }
      if (nl < 0) return;
      p = nl + 1;
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
