// The shared byte-level pieces of both hosts: UTF-8 repair, line splitting, timer order, PATH.
import type { Cases } from '../support/cases';
import { eq, deepEq, seeded } from '../support/check';
import { decodeUtf8, encodeUtf8 } from '../../src/host/utf8';
import { LineSplitter } from '../../src/host/lines';
import { timerQueue } from '../../src/host/timers';
import { resolveExecutable } from '../../src/host/exec-path';

const bytes = (...b: number[]): Uint8Array => new Uint8Array(b);

function split(chunks: Uint8Array[], maxLine?: number): [string, boolean][] {
  const out: [string, boolean][] = [];
  const s = new LineSplitter((l, t) => out.push([l, t]), maxLine);
  for (const c of chunks) s.push_(c);
  s.flush_();
  return out;
}

export const cases: Cases = {
  'utf8: malformed input, one U+FFFD per maximal subpart (WHATWG)': () => {
    const table: [number[], string][] = [
      [[0x41], 'A'],
      [[0xc3, 0xa9], 'é'],
      [[0xe2, 0x82, 0xac], '€'],
      [[0xf0, 0x9f, 0x98, 0x80], '\u{1F600}'],
      [[0xff], '\ufffd'],
      [[0x80, 0x41], '\ufffdA'],
      [[0xc3], '\ufffd'],
      [[0xc3, 0x41], '\ufffdA'],
      [[0xe2, 0x82], '\ufffd'],
      [[0xe2, 0x82, 0x41], '\ufffdA'],
      [[0xc0, 0xaf], '\ufffd\ufffd'], // overlong
      [[0xe0, 0x80, 0xaf], '\ufffd\ufffd\ufffd'], // overlong
      [[0xed, 0xa0, 0x80], '\ufffd\ufffd\ufffd'], // surrogate
      [[0xf4, 0x90, 0x80, 0x80], '\ufffd\ufffd\ufffd\ufffd'], // > U+10FFFF
      [[0xf0, 0x9f, 0x98], '\ufffd'],
      [[0xf0, 0x9f, 0x98, 0x41], '\ufffdA'],
      [[0xf8, 0x88, 0x80, 0x80, 0x80], '\ufffd\ufffd\ufffd\ufffd\ufffd'],
    ];
    for (const [b, want] of table) eq(decodeUtf8(new Uint8Array(b)), want, `bytes ${b.map((x) => x.toString(16)).join(' ')}`);
  },

  'utf8: encode/decode round trip, long and mixed strings, lone surrogates': () => {
    const s = 'plain ascii, ünïcödé, €, 日本語, \u{1F600}\u{10FFFF}'.repeat(500);
    eq(decodeUtf8(encodeUtf8(s)), s);
    deepEq(encodeUtf8('\ud800x'), bytes(0xef, 0xbf, 0xbd, 0x78));
    deepEq(encodeUtf8('a\udc00'), bytes(0x61, 0xef, 0xbf, 0xbd));
    const ascii = 'x'.repeat(100000);
    eq(decodeUtf8(encodeUtf8(ascii)), ascii);
    eq(decodeUtf8(bytes(0x61, 0x62, 0x63, 0x64), 1, 3), 'bc', 'sub-range');
  },

  'utf8: seeded fuzz never throws and round-trips what it decodes': () => {
    const rnd = seeded(7);
    for (let round = 0; round < 300; round++) {
      const b = new Uint8Array(Math.floor(rnd() * 64));
      for (let i = 0; i < b.length; i++) b[i] = rnd() < 0.5 ? Math.floor(rnd() * 256) : 0x80 + Math.floor(rnd() * 0x40);
      const s = decodeUtf8(b);
      eq(decodeUtf8(encodeUtf8(s)), s, `round ${round}`);
    }
  },

  'lines: any chunking gives the same lines': () => {
    const text = encodeUtf8('alpha\nbeta\r\n\nünï\ngamma-without-newline');
    const want: [string, boolean][] = [['alpha', false], ['beta\r', false], ['', false], ['ünï', false], ['gamma-without-newline', false]];
    deepEq(split([text]), want);
    const rnd = seeded(3);
    for (let round = 0; round < 50; round++) {
      const chunks: Uint8Array[] = [];
      for (let p = 0; p < text.length; ) {
        const n = 1 + Math.floor(rnd() * 6);
        chunks.push(text.slice(p, p + n));
        p += n;
      }
      deepEq(split(chunks), want, `round ${round}`);
    }
  },

  'lines: a cut at maxLine keeps whole characters and flags the line, across chunks': () => {
    deepEq(split([encodeUtf8('abcdefgh\nxy\n')], 4), [['abcd', true], ['xy', false]]);
    deepEq(split([encodeUtf8('ab'), encodeUtf8('cdef'), encodeUtf8('gh\nxy')], 4), [['abcd', true], ['xy', false]]);
    deepEq(split([encodeUtf8('aéé\n')], 4), [['aé', true]]);
    deepEq(split([encodeUtf8('abcd\n')], 4), [['abcd', false]], 'exactly maxLine is whole');
    deepEq(split([encodeUtf8('abcde')], 4), [['abcd', true]], 'cut last line without newline');
    deepEq(split([]), []);
  },

  'lines: seeded fuzz, the splitter decodes each line exactly as decodeUtf8 does': () => {
    const rnd = seeded(11);
    for (let round = 0; round < 400; round++) {
      const b = new Uint8Array(Math.floor(rnd() * 96));
      for (let i = 0; i < b.length; i++) {
        const r = rnd();
        b[i] = r < 0.1 ? 10 : r < 0.4 ? Math.floor(rnd() * 0x80) : r < 0.7 ? 0x80 + Math.floor(rnd() * 0x40) : 0xc0 + Math.floor(rnd() * 0x40);
      }
      const want: [string, boolean][] = [];
      let p = 0;
      for (let i = 0; i <= b.length; i++) {
        if (i === b.length || b[i] === 10) {
          if (i < b.length || i > p) want.push([decodeUtf8(b, p, i), false]);
          p = i + 1;
        }
      }
      const cut = Math.floor(rnd() * b.length);
      deepEq(split([b.slice(0, cut), b.slice(cut)]), want, `round ${round}`);
    }
  },

  'lines: reset drops a partial line': () => {
    const out: string[] = [];
    const s = new LineSplitter((l) => out.push(l));
    s.push_(encodeUtf8('half'));
    s.reset_();
    s.push_(encodeUtf8('new\n'));
    s.flush_();
    deepEq(out, ['new']);
  },

  'timers: due order with a late wake-up; ties in creation order; clear and intervals': () => {
    let now = 0;
    const armed: { fn: () => void; at: number; id: number }[] = [];
    let nextId = 1;
    const q = timerQueue({
      now_: () => now,
      arm_: (fn, ms) => {
        armed.push({ fn, at: now + ms, id: nextId });
        return nextId++;
      },
      disarm_: (id) => {
        const i = armed.findIndex((a) => a.id === id);
        if (i >= 0) armed.splice(i, 1);
      },
      report_: (e) => {
        throw e;
      },
    });
    const seen: string[] = [];
    q.setTimeout_(() => seen.push('30'), 30);
    q.setTimeout_(() => seen.push('10a'), 10);
    q.setTimeout_(() => seen.push('10b'), 10);
    const c = q.setTimeout_(() => seen.push('cleared'), 5);
    const iv = q.setInterval_(() => seen.push('iv'), 12);
    q.clear_(c);
    now = 100; // the loop woke up late: everything is due
    for (let guard = 0; guard < 20 && armed.length; guard++) armed.shift()!.fn();
    // An interval re-arms from when it ran, so it is due again only after now+12.
    deepEq(seen, ['10a', '10b', 'iv', '30']);
    eq(armed.length, 1, 'only the interval is left, armed');
    q.clear_(iv);
    eq(armed.length, 0, 'nothing armed');
  },

  'exec-path: PATH search like execvp': () => {
    const exists = new Set(['/usr/bin/cat', '/sbin/logread', './rel']);
    const isExe = (p: string): boolean => exists.has(p);
    eq(resolveExecutable('cat', '/bin:/usr/bin', isExe), '/usr/bin/cat');
    eq(resolveExecutable('logread', '/usr/bin:/sbin', isExe), '/sbin/logread');
    eq(resolveExecutable('logread', undefined, isExe), null, 'default PATH /bin:/usr/bin');
    eq(resolveExecutable('/usr/bin/cat', '', isExe), '/usr/bin/cat');
    eq(resolveExecutable('/bin/cat', '/usr/bin', isExe), null, 'a path is not searched');
    eq(resolveExecutable('rel', ':/x', isExe), './rel', 'empty PATH entry is the current directory');
    eq(resolveExecutable('', '/usr/bin', isExe), null);
  },
};
