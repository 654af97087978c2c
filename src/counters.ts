// Every skip and drop in netledger is counted here, by name, and surfaces in the replay
// summary and the `health` event. Nothing is dropped silently.

export class Counters {
  private readonly counts: Record<string, number> = Object.create(null);
  private readonly drops: Record<string, number> = Object.create(null);
  private readonly samples: Record<string, string> = Object.create(null);

  inc(name: string, n = 1): void {
    this.counts[name] = (this.counts[name] ?? 0) + n;
  }

  /** A lost or rejected item. `sample` keeps the first offending input per reason for debugging. */
  drop(reason: string, n = 1, sample?: string): void {
    this.drops[reason] = (this.drops[reason] ?? 0) + n;
    if (sample !== undefined && !(reason in this.samples)) {
      this.samples[reason] = sample.length > 200 ? sample.slice(0, 200) + '…' : sample;
    }
  }

  get(name: string): number {
    return this.counts[name] ?? 0;
  }

  dropped(reason: string): number {
    return this.drops[reason] ?? 0;
  }

  snapshot(): { counters: Record<string, number>; dropped: Record<string, number> } {
    return { counters: { ...this.counts }, dropped: { ...this.drops } };
  }

  sample(reason: string): string | undefined {
    return this.samples[reason];
  }
}
