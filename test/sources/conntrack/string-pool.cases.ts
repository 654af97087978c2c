import type { Cases } from '../../support/cases';
import { eq, ok, seeded } from '../../support/check';
import { StringPool } from '../../../src/sources/conntrack/string-pool';

export const cases: Cases = {
  'handles stay true to their strings through churn, idle keeping and forgetting': () => {
    const rnd = seeded(11);
    const pool = new StringPool();
    const held: { s: string; h: number }[] = [];
    for (let step = 0; step < 30000; step++) {
      if (held.length > 0 && rnd() < 0.5) {
        const k = Math.floor(rnd() * held.length);
        pool.release(held[k].h);
        held.splice(k, 1);
      } else {
        // few enough names that released ones come back while idle, many enough to overflow it
        const s = 'a' + Math.floor(rnd() * 3000);
        const h = pool.add(s);
        for (const o of held) if (o.s === s) eq(o.h, h, `one handle per string (${s})`);
        held.push({ s, h });
      }
      if (step % 1000 === 0) for (const o of held) eq(pool.strings[o.h], o.s, `held handle ${o.h} at step ${step}`);
    }
    for (const o of held) eq(pool.strings[o.h], o.s);
    ok(Object.keys(pool.index).length <= new Set(held.map((o) => o.s)).size + 256, 'idle strings are bounded');
  },
  'an idle string keeps its handle and kind when it comes back': () => {
    const pool = new StringPool();
    const h = pool.add('192.0.2.1');
    pool.kinds[h] = 2;
    pool.release(h);
    eq(pool.add('192.0.2.1'), h);
    eq(pool.kinds[h], 2);
  },
};
