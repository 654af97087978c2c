// The join's qnames, by name id, stored as text inside large strings ("chunks" of up to 64 names
// joined), so a name costs its characters plus 12 B instead of a string of its own (~48 B in qjs
// for 20 characters) and a 16 B array element. Reading a name is one native slice; no JS loop
// touches characters (~1,150 instructions a character in qjs).
//
// New names wait in the open chunk (an array of their strings) until 64 are there, then are
// joined. A name goes when its last answer does; its characters stay in their chunk as garbage
// until the chunk empties or, once garbage passes half the live text, compact() rewrites the
// chunks that hold any (chunk by chunk, so the peak stays near the live text). The id of a name
// dropped while its chunk is open is not reused before the chunk is sealed, so sealing needs
// no liveness test.

export type Index = Uint16Array | Int32Array;

const CHUNK = 64;

export class NameStore {
  /** name id → answers holding it (kept by AnswerTable); 0 frees the id through drop() */
  ref: Index;
  /** name id → length of its text; -1 when the id is free (id 0 never names anything) */
  len = new Int32Array(1).fill(-1);
  /** name id → offset in its chunk (index in `pend` while open); the next free id when free */
  private at = new Int32Array(1);
  /** name id → chunk index; 0 = the open chunk */
  private chunk: Index;
  private top = 0;
  private freeId = 0;
  private readonly chunks: (string | undefined)[] = [undefined];
  private readonly live: number[] = [0]; // per chunk: names held
  private readonly freeChunks: number[] = [];
  private readonly pend: string[] = new Array<string>(CHUNK).fill('');
  private readonly pendIds = new Int32Array(CHUNK);
  private npend = 0;
  /** ids dropped while their chunk was open, freed at seal() */
  private readonly deadOpen: number[] = [];
  private deadOpenChars = 0;
  private sealed = 0; // characters in sealed chunks
  private liveSealed = 0; // of which still named

  constructor(private readonly make: (n: number) => Index) {
    this.ref = make(1);
    this.chunk = make(1);
  }

  /** A new id for `q`, held by no answer yet (ref 0): give it to one at once. */
  add(q: string): number {
    let id = this.freeId;
    if (id !== 0) this.freeId = this.at[id];
    else {
      id = ++this.top;
      if (id >= this.len.length) this.grow();
    }
    this.len[id] = q.length;
    // place(), written out: a call costs ~400 instructions
    const n = this.npend;
    this.chunk[id] = 0;
    this.at[id] = n;
    this.pend[n] = q;
    this.pendIds[n] = id;
    if ((this.npend = n + 1) === CHUNK) this.seal();
    return id;
  }

  get(id: number): string {
    const k = this.chunk[id];
    const a = this.at[id];
    return k === 0 ? this.pend[a] : this.chunks[k]!.slice(a, a + this.len[id]);
  }

  /** True when live id `id` names `q`. */
  same(id: number, q: string): boolean {
    return this.len[id] === q.length && this.get(id) === q;
  }

  /** Frees id (its last answer went). */
  drop(id: number): void {
    const n = this.len[id];
    const k = this.chunk[id];
    this.len[id] = -1;
    if (k === 0) {
      this.deadOpen.push(id);
      this.deadOpenChars += n;
      return;
    }
    this.at[id] = this.freeId;
    this.freeId = id;
    this.liveSealed -= n;
    if (--this.live[k] === 0) this.release(k);
    const garbage = this.sealed - this.liveSealed;
    if (garbage > 4096 && garbage * 2 > this.liveSealed) this.compact();
  }

  /** Puts id's text `q` into the open chunk (as add() does). */
  private place(id: number, q: string): void {
    const n = this.npend;
    this.chunk[id] = 0;
    this.at[id] = n;
    this.pend[n] = q;
    this.pendIds[n] = id;
    if ((this.npend = n + 1) === CHUNK) this.seal();
  }

  private seal(): void {
    const pend = this.pend;
    const ids = this.pendIds;
    const np = this.npend;
    const dead = this.deadOpen;
    const k = this.freeChunks.pop() ?? this.chunks.length;
    const chunk = this.chunk;
    const at = this.at;
    let off = 0;
    for (let i = 0; i < np; i++) {
      const id = ids[i];
      chunk[id] = k;
      at[id] = off;
      off += pend[i].length;
    }
    const text = pend.join(''); // sealed when full
    pend.fill('');
    this.npend = 0;
    // the names dropped meanwhile are garbage from the start; their ids are free from now
    for (let i = 0; i < dead.length; i++) {
      const id = dead[i];
      chunk[id] = 0;
      at[id] = this.freeId;
      this.freeId = id;
    }
    this.chunks[k] = text;
    this.live[k] = np - dead.length;
    this.sealed += off;
    this.liveSealed += off - this.deadOpenChars;
    dead.length = 0;
    this.deadOpenChars = 0;
    if (this.live[k] === 0) this.release(k);
  }

  private release(k: number): void {
    this.sealed -= this.chunks[k]!.length;
    this.chunks[k] = undefined;
    this.live[k] = 0;
    this.freeChunks.push(k);
  }

  /** Moves every live sealed name into fresh chunks, oldest chunk first; empties the old ones. */
  private compact(): void {
    const nc = this.chunks.length;
    // live ids grouped by chunk: a counting sort
    const start = new Int32Array(nc + 1);
    for (let id = 1; id <= this.top; id++) if (this.len[id] >= 0) start[this.chunk[id] + 1]++;
    for (let k = 1; k <= nc; k++) start[k] += start[k - 1];
    const order = new Int32Array(start[nc]);
    const fill = start.slice(0, nc);
    for (let id = 1; id <= this.top; id++) if (this.len[id] >= 0) order[fill[this.chunk[id]]++] = id;
    for (let k = 1; k < nc; k++) {
      const text = this.chunks[k];
      if (text === undefined || start[k] === start[k + 1]) continue; // free, or made by this compaction
      for (let i = start[k]; i < start[k + 1]; i++) {
        const id = order[i];
        const a = this.at[id];
        const n = this.len[id];
        this.liveSealed -= n;
        this.place(id, text.slice(a, a + n));
      }
      this.release(k);
    }
  }

  private grow(): void {
    const n = this.len.length * 2 < 1024 ? 1024 : this.len.length * 2;
    const len = new Int32Array(n).fill(-1, this.len.length);
    len.set(this.len);
    this.len = len;
    this.at = widen(this.at, new Int32Array(n));
    this.ref = widen(this.ref, this.make(n));
    this.chunk = widen(this.chunk, this.make(n));
  }
}

function widen<T extends Index>(a: Index, b: T): T {
  b.set(a);
  return b;
}
