// Timers ordered by due time, on top of one platform timer. QuickJS fires whichever expired
// timer comes first in its creation list, so a late wake-up could run a 20 ms timer before a
// 10 ms one; keeping our own queue restores "earliest due first, ties in creation order".
import type { TimerHandle } from './types';

export interface TimerPlatform {
  /** Monotonic milliseconds. */
  now(): number;
  arm(fn: () => void, ms: number): number;
  disarm(id: number): void;
  /** Reports a callback that threw; the queue carries on. */
  report(err: unknown): void;
}

interface Entry {
  id: number;
  due: number;
  seq: number;
  every: number; // 0 for one-shot
  fn: () => void;
}

export class TimerQueue {
  #queue: Entry[] = []; // sorted by (due, seq)
  #byId = new Map<number, Entry>();
  #nextId = 1;
  #seq = 0;
  #armed = -1;
  #armedFor = Infinity;

  readonly #platform: TimerPlatform;
  constructor(platform: TimerPlatform) { this.#platform = platform; }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.#add(fn, ms, 0);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    return this.#add(fn, ms, Math.max(1, ms));
  }

  clear(handle: TimerHandle): void {
    const e = this.#byId.get(handle.id);
    if (!e) return;
    this.#byId.delete(e.id);
    const i = this.#queue.indexOf(e);
    if (i >= 0) this.#queue.splice(i, 1);
    if (this.#queue.length === 0) this.#disarm();
  }

  get size(): number {
    return this.#byId.size;
  }

  #add(fn: () => void, ms: number, every: number): TimerHandle {
    const delay = ms > 0 ? ms : 0;
    const e: Entry = { id: this.#nextId++, due: this.#platform.now() + delay, seq: this.#seq++, every, fn };
    this.#byId.set(e.id, e);
    this.#insert(e);
    this.#rearm();
    return { id: e.id };
  }

  #insert(e: Entry): void {
    const q = this.#queue;
    let lo = 0;
    let hi = q.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (q[mid].due < e.due || (q[mid].due === e.due && q[mid].seq < e.seq)) lo = mid + 1;
      else hi = mid;
    }
    q.splice(lo, 0, e);
  }

  #disarm(): void {
    if (this.#armed >= 0) this.#platform.disarm(this.#armed);
    this.#armed = -1;
    this.#armedFor = Infinity;
  }

  #rearm(): void {
    const head = this.#queue[0];
    if (!head) return this.#disarm();
    if (this.#armed >= 0 && this.#armedFor <= head.due) return;
    this.#disarm();
    this.#armedFor = head.due;
    this.#armed = this.#platform.arm(() => this.#fire(), Math.max(0, Math.ceil(head.due - this.#platform.now())));
  }

  /** Runs one due timer per platform wake-up, so promise jobs run between callbacks as in Node. */
  #fire(): void {
    this.#armed = -1;
    this.#armedFor = Infinity;
    const head = this.#queue[0];
    const now = this.#platform.now();
    if (head && head.due <= now) {
      this.#queue.shift();
      if (head.every > 0) {
        head.due = now + head.every;
        head.seq = this.#seq++;
        this.#insert(head);
      } else this.#byId.delete(head.id);
      try {
        head.fn();
      } catch (e) {
        this.#platform.report(e);
      }
    }
    this.#rearm();
  }
}
