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

/** A queued timer; it is its own handle. */
interface Entry extends TimerHandle {
  due_: number;
  every_: number; // 0 for one-shot
  fn_: () => void;
}

export interface TimerQueue {
  setTimeout_(fn: () => void, ms: number): TimerHandle;
  setInterval_(fn: () => void, ms: number): TimerHandle;
  clear_(handle: TimerHandle): void;
}

export const timerQueue = (platform: TimerPlatform): TimerQueue => {
  const queue: Entry[] = []; // by due time, ties in the order queued
  let seq = 1;
  let armed = -1;
  let armedFor = Infinity;

  /** After every timer due no later: ties run in the order queued (a handful of timers). */
  const insert = (e: Entry): void => {
    const i = queue.findIndex((m) => m.due_ > e.due_);
    queue.splice(i < 0 ? queue.length : i, 0, e);
  };

  const disarm = (): void => {
    if (armed >= 0) platform.disarm_(armed);
    armed = -1;
    armedFor = Infinity;
  };

  const rearm = (): void => {
    const head = queue[0];
    if (!head) return disarm();
    if (armed >= 0 && armedFor <= head.due_) return;
    disarm();
    armedFor = head.due_;
    armed = platform.arm_(fire, maxOf(0, Math.ceil(head.due_ - platform.now_())));
  };

  /** Runs one due timer per platform wake-up, so promise jobs run between callbacks as in Node. */
  const fire = (): void => {
    armed = -1;
    armedFor = Infinity;
    const head = queue[0];
    const now = platform.now_();
    if (head && head.due_ <= now) {
      queue.shift();
      if (head.every_) {
        head.due_ = now + head.every_;
        insert(head);
      }
      try {
        head.fn_();
      } catch (e) {
        platform.report_(e);
      }
    }
    rearm();
  };

  const add = (fn: () => void, ms: number, every: number): TimerHandle => {
    const e: Entry = { id: seq++, due_: platform.now_() + (ms > 0 ? ms : 0), every_: every, fn_: fn };
    insert(e);
    rearm();
    return e;
  };

  return {
    setTimeout_: (fn, ms) => add(fn, ms, 0),
    setInterval_: (fn, ms) => add(fn, ms, maxOf(1, ms)),
    clear_(handle) {
      const i = queue.indexOf(handle as Entry);
      if (i < 0) return;
      queue.splice(i, 1);
      if (!queue.length) disarm();
    },
  };
};
