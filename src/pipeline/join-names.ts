// The qnames the DNS-to-flow join holds, each string once, counted by how many answers use it.
// A home network asks the same few thousand names over and over; before this pool every answer
// retained the qname string of its own event (~64 B each in qjs), now a repeat costs one int.
// Flows annotated with a name share the pooled string too.
//
// Layout: ids index a string array; a chained hash table in Int32Arrays finds an id by text
// (a Map would cost ~80 B per name in qjs, this costs 12 B). Free ids are threaded through `next`.

const NONE = -1;

export class NamePool {
  private names: (string | undefined)[] = [];
  private refs = new Int32Array(256);
  private next = new Int32Array(256); // hash chain, or the free list for unused ids
  private buckets = new Int32Array(256).fill(NONE);
  private freeHead = NONE;
  private live = 0;

  /** Distinct names held. */
  size(): number {
    return this.live;
  }

  /** The id of `name`, holding one more reference to it. */
  hold(name: string): number {
    const h = hashOf(name);
    for (let id = this.buckets[h & (this.buckets.length - 1)]; id !== NONE; id = this.next[id]) {
      if (this.names[id] === name) {
        this.refs[id]++;
        return id;
      }
    }
    let id = this.freeHead;
    if (id !== NONE) {
      this.freeHead = this.next[id];
      this.names[id] = name;
    } else {
      id = this.names.length;
      if (id >= this.refs.length) this.grow(); // before the push: the rehash must not link it
      this.names.push(name);
    }
    this.refs[id] = 1;
    const at = h & (this.buckets.length - 1); // the table may have grown
    this.next[id] = this.buckets[at];
    this.buckets[at] = id;
    this.live++;
    return id;
  }

  /** One more reference to an id already held. */
  addRef(id: number): void {
    this.refs[id]++;
  }

  name(id: number): string {
    return this.names[id] as string;
  }

  /** Drops one reference; the last one frees the id and lets the string go. */
  release(id: number): void {
    if (--this.refs[id] > 0) return;
    const name = this.names[id] as string;
    const b = hashOf(name) & (this.buckets.length - 1);
    let prev = NONE;
    for (let k = this.buckets[b]; k !== NONE; prev = k, k = this.next[k]) {
      if (k !== id) continue;
      if (prev === NONE) this.buckets[b] = this.next[k];
      else this.next[prev] = this.next[k];
      break;
    }
    this.names[id] = undefined;
    this.next[id] = this.freeHead;
    this.freeHead = id;
    this.live--;
  }

  private grow(): void {
    const n = this.refs.length * 2;
    const refs = new Int32Array(n);
    refs.set(this.refs);
    this.refs = refs;
    const next = new Int32Array(n);
    next.set(this.next);
    this.next = next;
    // one bucket per id keeps chains short; rehash from the strings
    this.buckets = new Int32Array(n).fill(NONE);
    const mask = n - 1;
    for (let id = 0; id < this.names.length; id++) {
      const s = this.names[id];
      if (s === undefined) continue; // on the free list: its `next` link stays as it was
      const b = hashOf(s) & mask;
      this.next[id] = this.buckets[b];
      this.buckets[b] = id;
    }
  }
}

/** FNV-1a over the UTF-16 code units, folded with a final mix so low bits spread. */
export function hashOf(s: string): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 15;
  return Math.imul(h, 0x2c1b3c6d) ^ (h >>> 12);
}
