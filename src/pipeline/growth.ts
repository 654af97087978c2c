// Memory growth alerts from health samples: the agent itself (`memory_growth`) and each watched
// process (`process_growth`, e.g. dnsmasq) are compared with their size at the first sample.
// Growing by more than the threshold raises one alert, and the baseline moves up to the new
// size, so a steady leak alerts once per threshold of growth rather than at every sample.
import type { AlertEvent, HealthEvent } from '../events';
import { keysOf, WithDeps } from '../compat/lang';

export class GrowthWatch extends WithDeps<{ thresholdKb: number; emit: (a: AlertEvent) => void }> {
  private readonly base_ = new Map<string, number>();

  check(h: HealthEvent): void {
    if (this.deps_.thresholdKb <= 0) return;
    if (h.agent_rss !== undefined) this.one_(h, 'memory_growth', 'netledger', h.agent_rss + (h.children_rss ?? 0));
    if (h.watched) for (const name of keysOf(h.watched)) this.one_(h, 'process_growth', name, h.watched[name]);
  }

  private one_(h: HealthEvent, kind: string, name: string, rssKb: number): void {
    const base = this.base_.get(name);
    if (base === undefined || rssKb < base) {
      this.base_.set(name, rssKb); // first sight, or it shrank (restarted): a new baseline
      return;
    }
    if (rssKb - base <= this.deps_.thresholdKb) return;
    this.base_.set(name, rssKb);
    this.deps_.emit({
      type: 'alert', ts: h.ts, sensor: h.sensor, kind,
      indicator: `${name} rss +${this.deps_.thresholdKb} kB`,
      match: `${name} rss ${base} kB -> ${rssKb} kB`,
    });
  }
}
