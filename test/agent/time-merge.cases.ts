import type { Cases } from '../support/cases';
import { deepEq } from '../support/check';
import { mergeByTime, type TimedCursor } from '../../src/agent/time-merge';

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
};
