// Cuts a byte stream into '\n'-terminated lines, decoded as UTF-8. Shared by both hosts so a
// child's output, a followed file and stdin split identically. Memory is bounded by maxLine:
// past it the rest of the line is skipped and the kept head is delivered flagged `truncated`.
import { decodeUtf8, latin1 } from './utf8';
import { minOf, maxOf, floor } from '../compat/lang';

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

export interface LineSplitter {
  /** Feeds bytes[start, end). The caller may reuse `bytes` afterwards. */
  push_(bytes: Uint8Array, start?: number, end?: number): void;
  /**
   * The lines that bytes[start, end) completes, in order (the sink is not called); the partial
   * line at the end is kept for the next call. The array is the caller's.
   */
  batch_(bytes: Uint8Array, start: number, end: number): string[];
  /** End of input: a last line without '\n' is still a line. */
  flush_(): void;
  /** Drops a partial line (the file it came from was truncated). */
  reset_(): void;
}

/**
 * `new LineSplitter(sink, maxLine?, text?)`: a constructor function returning its object, whose
 * state is closure locals (short names in the bundle, where a class's members are `this.x`).
 * `var`: qjs checks let/const for their dead zone on every read, and batch_ runs per chunk with
 * a loop per line.
 */
export const LineSplitter = function (sink: LineSink, maxLine = DEFAULT_MAX_LINE, text: AsciiText | null = null): LineSplitter {
  var max = maxLine > 0 ? floor(maxLine) : DEFAULT_MAX_LINE;
  var pending = new Uint8Array(minOf(max, 4096));
  var pendingLen = 0;
  var skipping = false;
  /** indexes of the cut lines in batch_()'s last answer, null when none was cut */
  var cut: number[] | null = null;

  const keep = (bytes: Uint8Array, from: number, to: number): void => {
    if (skipping || from === to) return;
    const room = max - pendingLen;
    let take = to - from;
    if (take > room) {
      // the largest cut <= room that does not split a UTF-8 sequence (continuation bytes are 10xxxxxx)
      take = room;
      for (let back = 0; back < 3 && take > 0 && (bytes[from + take] & 0xc0) === 0x80; back++) take--;
      skipping = true;
    }
    const need = pendingLen + take;
    if (need > pending.length) {
      const grown = new Uint8Array(minOf(max, maxOf(need, pending.length * 2)));
      grown.set(pending.subarray(0, pendingLen));
      pending = grown;
    }
    pending.set(bytes.subarray(from, from + take), pendingLen);
    pendingLen += take;
  };

  /** The kept line, decoded; the splitter starts a new one. */
  const takePending = (): string => {
    // a line across two reads, at each chunk's end: natively when it is ASCII
    const ascii = text !== null ? text(pending, 0, pendingLen) : null;
    const line = ascii !== null ? ascii : decodeUtf8(pending, 0, pendingLen);
    pendingLen = 0;
    skipping = false;
    if (pending.length > 65536) pending = new Uint8Array(4096); // give back a huge line
    return line;
  };

  const batch = (bytes: Uint8Array, start: number, end: number): string[] => {
    var t = text !== null ? text(bytes, start, end) : null;
    var ascii = t !== null;
    // latin1 and ASCII text have a character a byte: text offsets are byte offsets
    var lines = (ascii ? (t as string) : latin1(bytes, start, end)).split('\n'); // a C scan, where indexOf() compares at every position
    var tail = lines.pop() as string; // after the last '\n': a partial line, or ''
    cut = null;
    var p = start;
    var i = 0;
    // the first line ends the one kept from the last chunk (most chunks start inside a line)
    if ((pendingLen !== 0 || skipping) && lines.length > 0) {
      p += lines[0].length;
      keep(bytes, start, p++);
      if (skipping) cut = [0];
      lines[0] = takePending();
      i = 1;
    }
    // the rest one by one only when they need decoding in JS or may be too long
    if (!ascii || end - start > max) {
      for (; i < lines.length; i++) {
        var line = lines[i];
        var stop = p + line.length;
        if (line.length <= max) {
          if (!ascii) lines[i] = decodeUtf8(bytes, p, stop);
        } else {
          keep(bytes, p, stop);
          (cut ??= []).push(i);
          lines[i] = takePending();
        }
        p = stop + 1;
      }
    }
    keep(bytes, end - tail.length, end);
    return lines;
  };

  return {
    push_(bytes, start = 0, end = bytes.length) {
      var lines = batch(bytes, start, end);
      var c = cut;
      var s = sink;
      for (var i = 0; i < lines.length; i++) s(lines[i], c !== null && c.indexOf(i) >= 0);
    },
    batch_: batch,
    flush_() {
      if (pendingLen > 0 || skipping) {
        var c = skipping;
        sink(takePending(), c);
      }
    },
    reset_() {
      pendingLen = 0;
      skipping = false;
    },
  };
} as unknown as new (sink: LineSink, maxLine?: number, text?: AsciiText | null) => LineSplitter;
