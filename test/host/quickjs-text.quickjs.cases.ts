// The native line decoding of the qjs host (src/host/quickjs-text.ts): only qjs can load it.
// Whatever the bytes, lines must come out exactly as the JS decoding makes them.
import * as os from 'os';
import type { Cases } from '../support/cases';
import { eq, deepEq, ok, seeded } from '../support/check';
import { scratchText } from '../../src/host/quickjs-text';
import { LineSplitter, type AsciiText } from '../../src/host/lines';
import { encodeUtf8 } from '../../src/host/utf8';

const bytes = (...b: number[]): Uint8Array => new Uint8Array(b);

/** Names the scratch file of this process had, if it were left in dir. */
function leftovers(dir: string): string[] {
  const [names, err] = os.readdir(dir);
  eq(err, 0, `readdir ${dir}`);
  return names.filter((n) => n === `.netledger-text-${os.getpid()}`);
}

function split(chunks: Uint8Array[], maxLine: number | undefined, text: AsciiText | null): [string, boolean][] {
  const out: [string, boolean][] = [];
  const s = new LineSplitter((l, t) => out.push([l, t]), maxLine, text);
  for (const c of chunks) s.push_(c);
  s.flush_();
  return out;
}

export const cases: Cases = {
  'quickjs-text: ASCII comes back as text; anything else is null; no file is left': () => {
    {
      const text = scratchText(['/dev/shm']);
      const line = encodeUtf8('[1795400000.000183]\t    [NEW] ipv4     2 tcp      6 120 SYN_SENT src=192.0.2.107\n');
      eq(text(line, 0, line.length), '[1795400000.000183]\t    [NEW] ipv4     2 tcp      6 120 SYN_SENT src=192.0.2.107\n');
      eq(text(line, 1, 4), '179', 'a sub-range');
      eq(text(line.subarray(5), 0, 3), '400', 'a view with an offset');
      eq(text(line, 3, 3), '', 'nothing');
      eq(text(bytes(0x61, 0x00, 0x62), 0, 3), 'a\u0000b', 'NUL is ASCII');
      const refused: [number[], string][] = [
        [[0x61, 0xc3, 0xa9], 'valid UTF-8 é (shorter)'],
        [[0x61, 0xff, 0x62], 'invalid byte (same length, U+FFFD)'],
        [[0x80, 0x0a, 0x62], 'stray continuation byte before a newline (qjs swallows the next byte)'],
        [[0xed, 0xa0, 0x80], 'an encoded surrogate'],
        [[0xef, 0xbf, 0xbd], 'a real U+FFFD'],
        [[0xf0, 0x9f, 0x98, 0x80], 'a 4-byte character'],
      ];
      for (const [b, what] of refused) eq(text(new Uint8Array(b), 0, b.length), null, what);
      const big = new Uint8Array(65536).fill(0x78);
      for (let i = 99; i < big.length; i += 100) big[i] = 10;
      const t = text(big, 0, big.length);
      eq(t !== null && t.length, 65536, 'a whole 64 KB chunk');
      eq(text(big, 0, 10), 'xxxxxxxxxx', 'a short chunk after a long one: the file was emptied');
      deepEq(leftovers('/dev/shm'), [], 'the scratch file is unlinked at once');
    }
  },

  'quickjs-text: without a usable directory it answers null and lines still split': () => {
    const text = scratchText(['/nonexistent-netledger-dir']);
    eq(text(bytes(0x61, 0x0a), 0, 2), null);
    deepEq(split([encodeUtf8('ab\ncd')], undefined, text), [['ab', false], ['cd', false]]);
  },

  'quickjs-text: only a directory in RAM is used, the first of the list that is': () => {
    // /etc is on the root filesystem (a disk): a scratch file there would wait on it, or wear flash
    eq(scratchText(['/etc'])(bytes(0x61, 0x0a), 0, 2), null, 'a disk directory');
    eq(scratchText(['/dev/shm/x'])(bytes(0x61, 0x0a), 0, 2), null, 'not a mount point itself');
    eq(scratchText(['/etc', '/dev/shm'])(bytes(0x61, 0x0a), 0, 2), 'a\n', 'the next one, in RAM');
  },

  'quickjs-text: seeded fuzz, lines split with it equal the JS decoding, any chunking and cap': () => {
    {
      const text = scratchText(['/dev/shm']);
      const rnd = seeded(29);
      for (let round = 0; round < 300; round++) {
        const b = new Uint8Array(Math.floor(rnd() * 400));
        const dirty = rnd() < 0.5; // half the rounds pure ASCII: the native path end to end
        for (let i = 0; i < b.length; i++) {
          const r = rnd();
          b[i] = r < 0.08 ? 10 : !dirty || r < 0.9 ? 0x20 + Math.floor(rnd() * 0x5f) : 0x80 + Math.floor(rnd() * 0x80);
        }
        const chunks: Uint8Array[] = [];
        for (let p = 0; p < b.length; ) {
          const n = 1 + Math.floor(rnd() * 120);
          chunks.push(b.slice(p, p + n));
          p += n;
        }
        const cap = rnd() < 0.3 ? 1 + Math.floor(rnd() * 40) : undefined;
        deepEq(split(chunks, cap, text), split(chunks, cap, null), `round ${round} (cap ${cap})`);
      }
      ok(text(bytes(0x6f, 0x6b), 0, 2) === 'ok', 'the native path was in use');
    }
  },
};
