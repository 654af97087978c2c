// Cross-check with an independent CBOR implementation (cbor-x, Node only): what we write it reads
// back as the same values, and what it writes we read back the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Encoder } from 'cbor-x';
import { encode, decode } from '../../src/codec/cbor';
import { seeded } from '../support/check';
import { dnsCorpus } from './corpus';

// int64AsNumber is a decoder option missing from cbor-x's Options type.
const cx = new Encoder({ mapsAsObjects: true, useRecords: false, tagUint8Array: false, int64AsNumber: true } as ConstructorParameters<typeof Encoder>[0]);

function randomValue(rnd: () => number, depth = 0): unknown {
  const r = rnd();
  if (depth > 3 || r < 0.45) {
    const k = Math.floor(rnd() * 8);
    if (k === 0) return Math.floor(rnd() * 2 ** 40) - 2 ** 39;
    if (k === 1) return (rnd() - 0.5) * 10 ** Math.floor(rnd() * 12);
    if (k === 2) return Math.floor(rnd() * 300);
    if (k === 3) return String.fromCharCode(...Array.from({ length: Math.floor(rnd() * 30) }, () => 32 + Math.floor(rnd() * 0x3000)));
    if (k === 4) return rnd() < 0.5;
    if (k === 5) return null;
    if (k === 6) return Uint8Array.from({ length: Math.floor(rnd() * 10) }, () => Math.floor(rnd() * 256));
    return Math.fround(rnd() * 100);
  }
  if (r < 0.7) return Array.from({ length: Math.floor(rnd() * 6) }, () => randomValue(rnd, depth + 1));
  const o: Record<string, unknown> = {};
  for (let i = Math.floor(rnd() * 6); i > 0; i--) o[`k${Math.floor(rnd() * 1000)}`] = randomValue(rnd, depth + 1);
  return o;
}

test('cbor-x reads what we write, and we read what cbor-x writes', () => {
  const rnd = seeded(7);
  const values: unknown[] = dnsCorpus(3, 200);
  for (let i = 0; i < 2000; i++) values.push(randomValue(rnd));
  for (const v of values) {
    const ours = encode(v);
    assert.deepStrictEqual(cx.decode(ours), v, 'cbor-x decoding our bytes');
    const theirs = cx.encode(v);
    assert.deepStrictEqual(decode(new Uint8Array(theirs)), v, 'our decoding of cbor-x bytes');
  }
});
