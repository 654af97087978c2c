import type { Cases } from '../support/cases';
import { eq, seeded } from '../support/check';
import { DIV_EXACT } from '../../src/pipeline/flows';

// A duration is whole microseconds over 1e6. Where a division rounds twice (32-bit x86 with x87
// floating point) it goes through its 6-decimal text instead (src/pipeline/flows.ts DIV_EXACT):
// that path must give the very double the division gives where it rounds once, so the output
// is the same everywhere. Checked here, on engines that round once.

export const cases: Cases = {
  'this engine divides with one rounding (the test value of DIV_EXACT)': () => {
    eq(DIV_EXACT, true);
  },
  "the text path gives the division's double: seeded durations up to a year, and edges": () => {
    const next = seeded(7);
    const us: number[] = [0, 1, 5, 999999, 1000000, 1000001, 3545987, 86400000000, 31536000000000];
    for (let i = 0; i < 20000; i++) us.push(Math.floor(next() * (i % 2 ? 1e7 : 31536000000000)));
    for (const u of us) {
      const d = u / 1e6;
      eq(+d.toFixed(6), d, `${u} us`);
      eq(String(+d.toFixed(6)), String(d), `${u} us as text`);
    }
  },
};
