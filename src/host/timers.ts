// Timers ordered by due time, on top of one platform timer. QuickJS fires whichever expired
// timer comes first in its creation list, so a late wake-up could run a 20 ms timer before a
// 10 ms one; keeping our own queue restores "earliest due first, ties in creation order".
import type { TimerHandle } from './types';
import { maxOf } from '../compat/lang';

export interface TimerPlatform {
  /** Monotonic milliseconds. */
  now_(): number;
  arm_(fn: () => void, ms: number): number;
  disarm_(id: number): void;
  /** Reports a callback that threw; the queue carries on. */
  report_(err: unknown): void;
}

interface Entry {
  id_: number;
  due_: number;
  seq_: number;
  every_: number; // 0 for one-shot
  fn_: () => void;
}

export class TimerQueue {
  private queue_: Entry[] = []; // sorted by (due, seq)
  private byId_ = new Map<number, Entry>();
  private nextId_ = 1;
  private seq_ = 0;
  private armed_ = -1;
  private armedFor_ = Infinity;

  private readonly platform_: TimerPlatform;
  constructor(platform: TimerPlatform) { this.platform_ = platform; }

  setTimeout_(fn: () => void, ms: number): TimerHandle {
    return this.add_(fn, ms, 0);
  }

  setInterval_(fn: () => void, ms: number): TimerHandle {
    return this.add_(fn, ms, maxOf(1, ms));
  }

  clear_(handle: TimerHandle): void {
    const e = this.byId_.get(handle.id);
    if (!e) return;
    this.byId_.delete(e.id_);
    const i = this.queue_.indexOf(e);
    if (i >= 0) this.queue_.splice(i, 1);
    if (this.queue_.length === 0) this.disarm_();
  }

  get size_(): number {
    return this.byId_.size;
  }

  private add_(fn: () => void, ms: number, every: number): TimerHandle {
    const delay = ms > 0 ? ms : 0;
    const e: Entry = { id_: this.nextId_++, due_: this.platform_.now_() + delay, seq_: this.seq_++, every_: every, fn_: fn };
    this.byId_.set(e.id_, e);
    this.insert_(e);
    this.rearm_();
    return { id: e.id_ };
  }

  private insert_(e: Entry): void {
    const q = this.queue_;
    let lo = 0;
    let hi = q.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (q[mid].due_ < e.due_ || (q[mid].due_ === e.due_ && q[mid].seq_ < e.seq_)) lo = mid + 1;
      else hi = mid;
    }
    q.splice(lo, 0, e);
  }

  private disarm_(): void {
    if (this.armed_ >= 0) this.platform_.disarm_(this.armed_);
    this.armed_ = -1;
    this.armedFor_ = Infinity;
  }

  private rearm_(): void {
    const head = this.queue_[0];
    if (!head) return this.disarm_();
    if (this.armed_ >= 0 && this.armedFor_ <= head.due_) return;
    this.disarm_();
    this.armedFor_ = head.due_;
    this.armed_ = this.platform_.arm_(() => this.fire_(), maxOf(0, Math.ceil(head.due_ - this.platform_.now_())));
  }

  /** Runs one due timer per platform wake-up, so promise jobs run between callbacks as in Node. */
  private fire_(): void {
    this.armed_ = -1;
    this.armedFor_ = Infinity;
    const head = this.queue_[0];
    const now = this.platform_.now_();
    if (head && head.due_ <= now) {
      this.queue_.shift();
      if (head.every_ > 0) {
        head.due_ = now + head.every_;
        head.seq_ = this.seq_++;
        this.insert_(head);
      } else this.byId_.delete(head.id_);
      try {
        head.fn_();
      } catch (e) {
        this.platform_.report_(e);
      }
    }
    this.rearm_();
  }
}
