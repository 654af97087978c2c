// A synchronous pull reader of lines over any blocking read call, shared by both hosts so
// replay sees the same lines (same UTF-8 repair, same cap) whatever runs it.
import type { LineReader } from './types';
import { LineSplitter } from './lines';

/** Lines longer than this are cut (replay input is untrusted too). */
export const REPLAY_MAX_LINE = 1 << 20;

/**
 * `read` fills buf[0..len) and returns the count, 0 at end of input; it throws on errors.
 * `release` is called once, at end of input or close().
 */
export function pullLines(read: (buf: Uint8Array, len: number) => number, release: () => void): LineReader {
  const buf = new Uint8Array(65536);
  const ready: string[] = [];
  let head = 0;
  let ended = false;
  const lines = new LineSplitter((line) => ready.push(line), REPLAY_MAX_LINE);

  function finish(): void {
    if (ended) return;
    ended = true;
    release();
  }

  return {
    next(): string | null {
      while (head === ready.length) {
        if (ended) return null;
        ready.length = 0;
        head = 0;
        let n: number;
        try {
          n = read(buf, buf.length);
        } catch (e) {
          finish();
          throw e;
        }
        if (n <= 0) {
          lines.flush_();
          finish();
        } else lines.push_(buf.subarray(0, n));
      }
      return ready[head++];
    },
    close(): void {
      ready.length = 0;
      head = 0;
      finish();
    },
  };
}
