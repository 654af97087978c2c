// Cuts a byte stream into '\n'-terminated lines, decoded as UTF-8. Shared by both hosts so a
// child's output, a followed file and stdin split identically. Memory is bounded by maxLine:
// past it the rest of the line is skipped and the kept head is delivered flagged `truncated`.
import { decodeUtf8, latin1 } from './utf8';

export type LineSink = (line: string, truncated: boolean) => void;

export const DEFAULT_MAX_LINE = 65536;

/**
 * The most bytes read for lines at once. Larger chunks save little (~300 instructions a
 * 16 KiB chunk a line), and a 64 KiB text, freed between reads while small strings fill
 * its hole, grew glibc's heap by ~0.3 MB on a 1M-line replay.
 */
export const LINE_CHUNK = 16384;

/**
 * Bytes to text when they are all ASCII (one character a byte), else null. A host passes a
 * native one where it has one (qjs: quickjs-text.ts); without it, bytes go through latin1().
 */
export type AsciiText = (bytes: Uint8Array, start: number, end: number) => string | null;

export class LineSplitter {
  private pending_: Uint8Array;
  private pendingLen_ = 0;
  private skipping_ = false;
  private readonly maxLine_: number;
  /** indexes of the cut lines in batch_()'s last answer, null when none was cut */
  private cut_: number[] | null = null;

  private readonly sink_: LineSink;
  private readonly text_: AsciiText | null;

  constructor(sink_: LineSink, maxLine = DEFAULT_MAX_LINE, text_: AsciiText | null = null) {
    this.sink_ = sink_;
    this.text_ = text_;
    this.maxLine_ = maxLine > 0 ? Math.floor(maxLine) : DEFAULT_MAX_LINE;
    this.pending_ = new Uint8Array(Math.min(this.maxLine_, 4096));
  }

  /** Feeds bytes[start, end). The caller may reuse `bytes` afterwards. */
  push_(bytes: Uint8Array, start = 0, end = bytes.length): void {
    // var: qjs checks let/const for their dead zone on every read, and this runs once a line
    var lines = this.batch_(bytes, start, end);
    var cut = this.cut_;
    var sink = this.sink_;
    for (var i = 0; i < lines.length; i++) sink(lines[i], cut !== null && cut.indexOf(i) >= 0);
  }

  /**
   * The lines that bytes[start, end) completes, in order (the sink is not called); the partial
   * line at the end is kept for the next call. The array is the caller's.
   */
  batch_(bytes: Uint8Array, start: number, end: number): string[] {
    var text = this.text_ !== null ? this.text_(bytes, start, end) : null;
    var ascii = text !== null;
    // latin1 and ASCII text have a character a byte: text offsets are byte offsets
    var lines = (ascii ? (text as string) : latin1(bytes, start, end)).split('\n'); // a C scan, where indexOf() compares at every position
    var tail = lines.pop() as string; // after the last '\n': a partial line, or ''
    this.cut_ = null;
    var p = start;
    var i = 0;
    // the first line ends the one kept from the last chunk (most chunks start inside a line)
    if ((this.pendingLen_ !== 0 || this.skipping_) && lines.length > 0) {
      p += lines[0].length;
      this.keep_(bytes, start, p++);
      if (this.skipping_) this.cut_ = [0];
      lines[0] = this.takePending_();
      i = 1;
    }
    // the rest one by one only when they need decoding in JS or may be too long
    if (!ascii || end - start > this.maxLine_) {
      for (; i < lines.length; i++) {
        var line = lines[i];
        var stop = p + line.length;
        if (line.length <= this.maxLine_) {
          if (!ascii) lines[i] = decodeUtf8(bytes, p, stop);
        } else {
          this.keep_(bytes, p, stop);
          (this.cut_ ??= []).push(i);
          lines[i] = this.takePending_();
        }
        p = stop + 1;
      }
    }
    this.keep_(bytes, end - tail.length, end);
    return lines;
  }

  /** End of input: a last line without '\n' is still a line. */
  flush_(): void {
    if (this.pendingLen_ > 0 || this.skipping_) {
      var cut = this.skipping_;
      this.sink_(this.takePending_(), cut);
    }
  }

  /** Drops a partial line (the file it came from was truncated). */
  reset_(): void {
    this.pendingLen_ = 0;
    this.skipping_ = false;
  }

  private keep_(bytes: Uint8Array, from: number, to: number): void {
    if (this.skipping_ || from === to) return;
    const room = this.maxLine_ - this.pendingLen_;
    let take = to - from;
    if (take > room) {
      // the largest cut <= room that does not split a UTF-8 sequence (continuation bytes are 10xxxxxx)
      take = room;
      for (let back = 0; back < 3 && take > 0 && (bytes[from + take] & 0xc0) === 0x80; back++) take--;
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

  /** The kept line, decoded; the splitter starts a new one. */
  private takePending_(): string {
    // a line across two reads, at each chunk's end: natively when it is ASCII
    const ascii = this.text_ !== null ? this.text_(this.pending_, 0, this.pendingLen_) : null;
    const line = ascii !== null ? ascii : decodeUtf8(this.pending_, 0, this.pendingLen_);
    this.pendingLen_ = 0;
    this.skipping_ = false;
    if (this.pending_.length > 65536) this.pending_ = new Uint8Array(4096); // give back a huge line
    return line;
  }
}
