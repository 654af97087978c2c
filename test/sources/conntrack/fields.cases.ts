import type { Cases } from '../../support/cases';
import { eq } from '../../support/check';
import { address } from '../../../src/sources/conntrack/fields';

export const cases: Cases = {
  'address(): remembered verdicts, names an Object.prototype member has, numeric-looking text': () => {
    for (let pass = 0; pass < 2; pass++) {
      // the second pass answers from the memo
      for (const s of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', '1234', '0', 'ab', 'zz.1']) eq(address(s), '', s);
      for (const s of ['192.0.2.1', '2001:db8::1', '1.2', 'ab:cd', '::']) eq(address(s), s, s);
      eq(address('2001:0db8:0000:0000:0000:0000:0000:0001'), '2001:db8::1', 'the /proc spelling, compressed');
    }
  },

  'address(): verdicts stay right across generations of the memo (3 x 1,024 distinct texts)': () => {
    const text = (i: number) => (i % 3 === 0 ? `bad${i}` : `10.${(i >> 8) & 255}.${i & 255}.${i % 7}`);
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 3072; i++) eq(address(text(i)), i % 3 === 0 ? '' : text(i), `${round} ${text(i)}`);
    }
  },
};
