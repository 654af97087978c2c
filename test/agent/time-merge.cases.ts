import type { Cases } from '../support/cases';
import { deepEq } from '../support/check';
import { mergeByTime, type TimedCursor } from '../../src/agent/time-merge';
import { recordCursor } from '../../src/agent/record-cursor';
import { Counters } from '../../src/counters';

function cursor(name: string, times: number[], out: string[]): TimedCursor {
  let i = 0;
  return {
    peekTs: () => (i < times.length ? times[i] : Infinity),
    step: () => {
      out.push(`${name}${times[i]}`);
      i++;
    },
  };
}

export const cases: Cases = {
  'one cursor (the fast path) delivers and ticks exactly as when merged with an empty one': () => {
    const times = [5, 5, 5.5, 6, 4, 7.2, 7.9, 9];
    const run = (withEmpty: boolean): string[] => {
      const out: string[] = [];
      const cs = [cursor('d', times, out)];
      if (withEmpty) cs.push(cursor('c', [], out));
      mergeByTime(cs, (ts) => out.push(`tick${ts}`));
      return out;
    };
    deepEq(run(false), ['tick5', 'd5', 'd5', 'd5.5', 'tick6', 'd6', 'd4', 'tick7.2', 'd7.2', 'd7.9', 'tick9', 'd9']);
    deepEq(run(false), run(true));
  },
  'two cursors interleave by time, ties to the first': () => {
    const out: string[] = [];
    mergeByTime([cursor('d', [1, 3], out), cursor('c', [1, 2, 4], out)], () => {});
    deepEq(out, ['d1', 'c1', 'c2', 'd3', 'c4']);
  },
  'a lone record cursor (runAlone) delivers, ticks, skips and counts exactly as when merged': () => {
    const lines = ['5 a', 'x', '5 b', '5.5 c', '', '6 d', '4 e', '7.2 f', 'y', '7.9 g', '9 h', 'z'];
    const run = (withEmpty: boolean): { out: string[]; counts: Record<string, number>; closed: number } => {
      const out: string[] = [];
      const counters = new Counters();
      let i = 0;
      let closed = 0;
      const reader = { next: () => (i < lines.length ? lines[i++] : null), close: () => { closed++; } };
      // One record object reused for every line, as the dnsmasq parser does.
      const rec = { ts: 0, text: '' };
      const parse = (l: string) => {
        const sp = l.indexOf(' ');
        if (sp < 0) return null;
        rec.ts = Number(l.slice(0, sp));
        rec.text = l.slice(sp + 1);
        return rec;
      };
      const cs = [recordCursor(reader, counters, 'lines', parse, (r) => out.push(`${r.text}${r.ts}`))];
      if (withEmpty) cs.push(cursor('c', [], out));
      mergeByTime(cs, (ts) => out.push(`tick${ts}`));
      return { out, counts: counters.snapshot().counters, closed };
    };
    const alone = run(false);
    deepEq(alone.out, ['tick5', 'a5', 'b5', 'c5.5', 'tick6', 'd6', 'e4', 'tick7.2', 'f7.2', 'g7.9', 'tick9', 'h9']);
    deepEq(alone, run(true));
    deepEq(alone.counts, { lines: 12 });
    deepEq(alone.closed, 1);
  },
};
