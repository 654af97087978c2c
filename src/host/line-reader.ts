// A synchronous pull reader of lines over any blocking read call, shared by both hosts so
// replay sees the same lines (same UTF-8 repair, same cap) whatever runs it.
import type { LineReader } from './types';
import { LINE_CHUNK, LineSplitter, type AsciiText } from './lines';

/** Lines longer than this are cut (replay input is untrusted too). */
export const REPLAY_MAX_LINE = 1 << 20;

/**
 * `read` fills buf[0..len) and returns the count, 0 at end of input; it throws on errors.
 * `release` is called once, at end of input or close(). `text` is the host's native decoder.
 */
export const pullLines = (
  read: (buf: Uint8Array, len: number) => number,
  release: () => void,
  text: AsciiText | null = null,
): LineReader => {
  const buf = new Uint8Array(LINE_CHUNK);
  // var, not let/const: qjs checks a closure's let/const for its dead zone on every read, and
  // next() runs once per replayed line
  var ready: string[] = [];
  var head = 0;
  var ended = false;
  const lines = new LineSplitter((line) => ready.push(line), REPLAY_MAX_LINE, text);

  const finish = (): void => {
    if (ended) return;
    ended = true;
    release();
  };

  return {
    next(): string | null {
      while (head === ready.length) {
        if (ended) return null;
        head = 0;
        var n: number;
        try {
          n = read(buf, buf.length);
        } catch (e) {
          ready = [];
          finish();
          throw e;
        }
        if (n <= 0) {
          ready = [];
          lines.flush_();
          finish();
        } else ready = lines.batch_(buf, 0, n);
      }
      return ready[head++];
    },
    close(): void {
      ready = [];
      head = 0;
      finish();
    },
  };
};
