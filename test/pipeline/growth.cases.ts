import type { Cases } from '../support/cases';
import { eq, deepEq } from '../support/check';
import { GrowthWatch } from '../../src/pipeline/growth';
import type { AlertEvent, HealthEvent } from '../../src/events';

const health = (ts: number, agent: number, dnsmasq: number): HealthEvent =>
  ({ type: 'health', ts, sensor: 's', agent_rss: agent, children_rss: 100, watched: { dnsmasq } });

export const cases: Cases = {
  'growth past the threshold alerts once per threshold; shrinking resets the baseline': () => {
    const out: AlertEvent[] = [];
    const w = new GrowthWatch({ thresholdKb: 1000, emit: (a) => out.push(a) });
    w.check(health(1, 5000, 2000));
    w.check(health(2, 5900, 2900));
    eq(out.length, 0, 'within the threshold');
    w.check(health(3, 6200, 3100));
    deepEq(out.map((a) => a.kind), ['memory_growth', 'process_growth']);
    eq(out[0].match, 'netledger rss 5100 kB -> 6300 kB');
    eq(out[1].match, 'dnsmasq rss 2000 kB -> 3100 kB');
    w.check(health(4, 6300, 3200));
    eq(out.length, 2, 'the baseline moved up: no repeat');
    w.check(health(5, 6300, 500)); // dnsmasq restarted
    w.check(health(6, 6300, 1400));
    eq(out.length, 2);
    w.check(health(7, 6300, 1600));
    eq(out.length, 3);
  },
  'over memory_budget: one memory_budget alert per crossing, again only after it fell under 90 % of it': () => {
    const out: AlertEvent[] = [];
    const w = new GrowthWatch({ thresholdKb: 0, budgetKb: 16384, emit: (a) => out.push(a) });
    w.check(health(1, 16000, 1)); // 16,100 with its children: under
    eq(out.length, 0);
    w.check(health(2, 16300, 1));
    w.check(health(3, 17000, 1));
    deepEq(out.map((a) => [a.kind, a.indicator, a.match]), [['memory_budget', 'netledger rss > 16384 kB', 'netledger rss 16400 kB']]);
    w.check(health(4, 15000, 1)); // back under, but not under 90 %: no new alert when it climbs again
    w.check(health(5, 16500, 1));
    eq(out.length, 1);
    w.check(health(6, 14000, 1));
    w.check(health(7, 16500, 1));
    eq(out.length, 2);
    eq(out[1].ts, 7);
  },
  'threshold 0 never alerts': () => {
    const out: AlertEvent[] = [];
    const w = new GrowthWatch({ thresholdKb: 0, emit: (a) => out.push(a) });
    w.check(health(1, 1000, 1000));
    w.check(health(2, 900000, 900000));
    eq(out.length, 0);
  },
};
