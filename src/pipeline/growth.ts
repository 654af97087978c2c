// Memory growth alerts from health samples: the agent itself (`memory_growth`) and each watched
// process (`process_growth`, e.g. dnsmasq) are compared with their size at the first sample.
// Growing by more than the threshold raises one alert, and the baseline moves up to the new
// size, so a steady leak alerts once per threshold of growth rather than at every sample.
import type { AlertEvent, HealthEvent } from '../events';
import { keysOf } from '../compat/lang';

export interface GrowthWatch {
  check(h: HealthEvent): void;
}

/** `new GrowthWatch(deps)`: a constructor function returning its object (state in closure locals). */
export const GrowthWatch = function ({ thresholdKb: max, emit }: { thresholdKb: number; emit: (a: AlertEvent) => void }): GrowthWatch {
  const base = new Map<string, number>();
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
      if (max <= 0) return;
      if (h.agent_rss !== undefined) one(h, 'memory_growth', 'netledger', h.agent_rss + (h.children_rss ?? 0));
      if (h.watched) for (const name of keysOf(h.watched)) one(h, 'process_growth', name, h.watched[name]);
    },
  };
} as unknown as new (deps: { thresholdKb: number; emit: (a: AlertEvent) => void }) => GrowthWatch;
