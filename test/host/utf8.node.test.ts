// Our decoder must agree with Node's TextDecoder byte for byte, since the Node host and the
// QuickJS host share it but readText on Node uses TextDecoder.
import { test } from 'node:test';
import { strictEqual, deepStrictEqual } from 'node:assert';
import { decodeUtf8, encodeUtf8 } from '../../src/host/utf8';
import { LineSplitter } from '../../src/host/lines';
import { seeded } from '../support/check';

test('decodeUtf8 matches TextDecoder on seeded random bytes', () => {
  const td = new TextDecoder();
  const rnd = seeded(42);
  for (let round = 0; round < 20000; round++) {
    const b = new Uint8Array(Math.floor(rnd() * 24));
    for (let i = 0; i < b.length; i++) {
      const r = rnd();
      b[i] = r < 0.3 ? Math.floor(rnd() * 0x80) : r < 0.6 ? 0x80 + Math.floor(rnd() * 0x40) : 0xc0 + Math.floor(rnd() * 0x40);
    }
    strictEqual(decodeUtf8(b), td.decode(b), `bytes ${Buffer.from(b).toString('hex')}`);
  }
});

test('encodeUtf8 matches TextEncoder, lone surrogates included', () => {
  const te = new TextEncoder();
  const rnd = seeded(9);
  for (let round = 0; round < 5000; round++) {
    let s = '';
    const n = Math.floor(rnd() * 16);
    for (let i = 0; i < n; i++) {
      const r = rnd();
      s += String.fromCharCode(r < 0.3 ? Math.floor(rnd() * 0x80) : r < 0.5 ? 0xd800 + Math.floor(rnd() * 0x800) : Math.floor(rnd() * 0x10000));
    }
    deepStrictEqual(encodeUtf8(s), te.encode(s), JSON.stringify(s));
  }
});

test('LineSplitter lines match TextDecoder per line', () => {
  const td = new TextDecoder();
  const rnd = seeded(5);
  for (let round = 0; round < 5000; round++) {
    const b = new Uint8Array(Math.floor(rnd() * 40));
    for (let i = 0; i < b.length; i++) {
      const r = rnd();
      b[i] = r < 0.1 ? 10 : r < 0.4 ? Math.floor(rnd() * 0x80) : r < 0.7 ? 0x80 + Math.floor(rnd() * 0x40) : 0xc0 + Math.floor(rnd() * 0x40);
    }
    const got: string[] = [];
    const s = new LineSplitter((l) => got.push(l));
    s.push_(b);
    s.flush_();
    const want = td.decode(b).split('\n');
    if (want[want.length - 1] === '') want.pop();
    deepStrictEqual(got, want, Buffer.from(b).toString('hex'));
  }
});
