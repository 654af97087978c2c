// Memory growth alerts from health samples: the agent itself (`memory_growth`) and each watched
// process (`process_growth`, e.g. dnsmasq) are compared with their size at the first sample.
// Growing by more than the threshold raises one alert, and the baseline moves up to the new
// size, so a steady leak alerts once per threshold of growth rather than at every sample.
// The agent over agent.memory_budget (with its children) raises `memory_budget`, once until it
// has been back under 90 % of the budget (a sample hovering at the line would alert each time).
import type { AlertEvent, HealthEvent } from '../events';
import { keysOf } from '../compat/lang';

export interface GrowthWatch {
  check(h: HealthEvent): void;
}

/** `new GrowthWatch(deps)`: a constructor function returning its object (state in closure locals). */
export const GrowthWatch = function ({ thresholdKb: max, budgetKb: budget = 0, emit }: GrowthDeps): GrowthWatch {
  const base = new Map<string, number>();
  let over = false;
  const one = (h: HealthEvent, kind: string, name: string, rss: number): void => {
    const was = base.get(name);
    // first sight, or it shrank (restarted): a new baseline; past the threshold: an alert, and up
    if (was === undefined || rss < was || rss - was > max) base.set(name, rss);
    if (rss - was! > max) {
      emit({ type: 'alert', ts: h.ts, sensor: h.sensor, kind, indicator: `${name} rss +${max} kB`, match: `${name} rss ${was} kB -> ${rss} kB` });
    }
  };
  return {
    check(h) {
      const rss = h.agent_rss === undefined ? undefined : h.agent_rss + (h.children_rss ?? 0);
      if (budget > 0 && rss !== undefined) {
        if (rss > budget && !over) {
          emit({ type: 'alert', ts: h.ts, sensor: h.sensor, kind: 'memory_budget', indicator: `netledger rss > ${budget} kB`, match: `netledger rss ${rss} kB` });
        }
        over = rss > budget || (over && rss >= budget * 0.9);
      }
      if (max <= 0) return;
      if (rss !== undefined) one(h, 'memory_growth', 'netledger', rss);
      if (h.watched) for (const name of keysOf(h.watched)) one(h, 'process_growth', name, h.watched[name]);
    },
  };
} as unknown as new (deps: GrowthDeps) => GrowthWatch;

interface GrowthDeps {
  thresholdKb: number;
  /** agent.memory_budget, kB; 0 or absent: no memory_budget alert. */
  budgetKb?: number;
  emit: (a: AlertEvent) => void;
}
