// A small Node `EventEmitter` for bundled dependencies (scripts/build.mjs aliases `events`
// here). Listeners run synchronously in registration order; an 'error' event with no listener
// throws, as in Node. Exported as a plain function constructor because older stream code calls
// `EventEmitter.call(this)`, which a class constructor refuses.
type Listener = (...args: any[]) => void;

class Emitter {
  private _store_?: Record<string, Listener[]>;
  private get _ev_(): Record<string, Listener[]> {
    return (this._store_ ??= Object.create(null));
  }
  private set _ev_(v: Record<string, Listener[]>) {
    this._store_ = v;
  }

  on(name: string, fn: Listener): this {
    (this._ev_[name] ??= []).push(fn);
    return this;
  }

  addListener(name: string, fn: Listener): this {
    return this.on(name, fn);
  }

  prependListener(name: string, fn: Listener): this {
    (this._ev_[name] ??= []).unshift(fn);
    return this;
  }

  once(name: string, fn: Listener): this {
    const wrap: Listener & { listener?: Listener } = (...args) => {
      this.off(name, wrap);
      fn.apply(this, args);
    };
    wrap.listener = fn;
    return this.on(name, wrap);
  }

  off(name: string, fn: Listener): this {
    const l = this._ev_[name];
    if (!l) return this;
    const i = l.findIndex((x) => x === fn || (x as { listener?: Listener }).listener === fn);
    if (i >= 0) l.splice(i, 1);
    return this;
  }

  removeListener(name: string, fn: Listener): this {
    return this.off(name, fn);
  }

  removeAllListeners(name?: string): this {
    if (name === undefined) this._ev_ = Object.create(null);
    else delete this._ev_[name];
    return this;
  }

  emit(name: string, ...args: unknown[]): boolean {
    const l = this._ev_[name];
    if (!l || l.length === 0) {
      if (name === 'error') throw args[0] instanceof Error ? args[0] : new Error(`unhandled 'error' event: ${String(args[0])}`);
      return false;
    }
    for (const fn of l.slice()) fn.apply(this, args);
    return true;
  }

  listeners(name: string): Listener[] {
    return (this._ev_[name] ?? []).slice();
  }

  listenerCount(name: string): number {
    return this._ev_[name]?.length ?? 0;
  }

  eventNames(): string[] {
    return Object.keys(this._ev_);
  }

  setMaxListeners(_n: number): this {
    return this;
  }

  getMaxListeners(): number {
    return 0;
  }
}

function EmitterCtor(this: Emitter): void {
  // Fields are created lazily by the prototype's accessors; nothing to do here.
}
EmitterCtor.prototype = Emitter.prototype;

export const EventEmitter = EmitterCtor as unknown as typeof Emitter;
export type EventEmitter = Emitter;
export default EventEmitter;
