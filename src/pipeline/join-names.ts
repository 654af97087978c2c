// The join's qnames, by name id, stored as text inside large strings ("chunks" of up to 64 names
// joined), so a name costs its characters plus 12 B instead of a string of its own (~48 B in qjs
// for 20 characters) and a 16 B array element. Reading a name is one native slice; no JS loop
// touches characters (~1,150 instructions a character in qjs).
//
// A name's text after its first label (".example.com", ".googlevideo.com") is kept once in a
// table of up to 255 shared suffixes, reference-counted by name; a name holds its first label in
// its chunk and a 1-byte suffix index. Names under one domain are the common case (CDN edges, a
// service's hosts): the bench's 25,000 names take 0.25 MB instead of 0.53 MB. When the table is
// full of suffixes still in use, a name keeps its whole text.
//
// New names wait in the open chunk (an array of their strings) until 64 are there, then are
// joined. A name goes when its last answer does; its characters stay in their chunk as garbage
// until the chunk empties or, once garbage passes half the live text, compact() rewrites the
// chunks that hold any (chunk by chunk, so the peak stays near the live text). The id of a name
// dropped while its chunk is open is not reused before the chunk is sealed, so sealing needs
// no liveness test.

export type Index = Uint16Array | Int32Array;

const CHUNK = 64;
/** len_ of a free id */
export const FREE = 65535;
/** len_ of a name whose text is this long or longer: its length is in `long_` */
const LONG = 65534;

export class NameStore {
  /** name id → answers holding it (kept by AnswerTable); 0 frees the id through drop() */
  ref_: Index;
  /** name id → length of its text in its chunk (LONG: in `long_`); FREE when the id is free (id 0
   *  never names anything). 16 bits: a qname is at most a few hundred characters */
  len_ = new Uint16Array(1).fill(FREE);
  private readonly long_ = new Map<number, number>();
  /** name id → index of its suffix in `sfx_`, 0 for none */
  private suffixOf_ = new Uint8Array(1);
  /** suffix index → text ('' when free); index 0 is never used */
  private readonly sfx_: string[] = [''];
  private readonly sfxRefs_ = new Int32Array(256);
  private readonly sfxIndex_ = new Map<string, number>();
  private readonly sfxFree_: number[] = [];
  private lastSfx_ = 0; // the last suffix looked up: consecutive names often share it
  /** name id → offset in its chunk (< 32768: a chunk is sealed once it holds that many
   *  characters), or index in `pend` while open; the next free id when free */
  private at_: Index;
  /** name id → chunk index; 0 = the open chunk */
  private chunk_: Index;
  private top_ = 0;
  private freeId_ = 0;
  private readonly chunks_: (string | undefined)[] = [undefined];
  private readonly live_: number[] = [0]; // per chunk: names held
  private readonly freeChunks_: number[] = [];
  private readonly pend_: string[] = new Array<string>(CHUNK).fill('');
  private readonly pendIds_ = new Int32Array(CHUNK);
  private npend_ = 0;
  private pendChars_ = 0; // characters in the open chunk (its last name may pass 32768)
  /** ids dropped while their chunk was open, freed at seal() */
  private readonly deadOpen_: number[] = [];
  private deadOpenChars_ = 0;
  /** the last names added, by length & 15, and their ids: A and AAAA queries for one name, or
   *  two devices asking it, share one id */
  private readonly recentQ_: string[] = new Array<string>(16).fill('');
  private readonly recentId_ = new Int32Array(16);
  private sealed_ = 0; // characters in sealed chunks
  private liveSealed_ = 0; // of which still named

  private readonly make_: (n: number) => Index;

  constructor(make_: (n: number) => Index) {
    this.make_ = make_;
    this.ref_ = make_(1);
    this.at_ = make_(1);
    this.chunk_ = make_(1);
  }

  /** An id for `q`: a recent one of the same text, else a new one (ref 0). Give it to an answer at once. */
  add(q: string): number {
    const r = q.length & 15;
    if (this.recentQ_[r] === q && this.recentId_[r] !== 0) return this.recentId_[r];
    let id = this.freeId_;
    if (id !== 0) this.freeId_ = this.at_[id];
    else {
      id = ++this.top_;
      if (id >= this.len_.length) this.grow_();
    }
    // the text after the first label goes to the suffix table when it has room
    let text = q;
    let k = 0;
    const dot = q.indexOf('.');
    if (dot >= 0) {
      const suffix = q.slice(dot);
      k = this.sfx_[this.lastSfx_] === suffix ? this.lastSfx_ : this.suffix_(suffix);
      if (k !== 0) {
        this.sfxRefs_[k]++;
        this.lastSfx_ = k;
        text = q.slice(0, dot);
      }
    }
    this.suffixOf_[id] = k;
    // setLen_()'s common case written out (a call costs ~400 instructions)
    if (text.length < LONG) this.len_[id] = text.length;
    else this.setLen_(id, text.length);
    this.place_(id, text);
    this.recentQ_[r] = q;
    this.recentId_[r] = id;
    return id;
  }

  get(id: number): string {
    const k = this.chunk_[id];
    const a = this.at_[id];
    const x = this.suffixOf_[id];
    // length_(), written out: a call costs ~400 instructions (once per named flow)
    var n = this.len_[id];
    if (n === LONG) n = this.long_.get(id) as number;
    const text = k === 0 ? this.pend_[a] : this.chunks_[k]!.slice(a, a + n);
    return x === 0 ? text : text + this.sfx_[x];
  }

  /** The length of live id's text in its chunk. */
  private length_(id: number): number {
    const n = this.len_[id];
    return n !== LONG ? n : (this.long_.get(id) as number);
  }

  private setLen_(id: number, n: number): void {
    if (n < LONG) this.len_[id] = n;
    else {
      this.len_[id] = LONG;
      this.long_.set(id, n);
    }
  }

  /** The index of suffix `t`, added if the table has room; 0 when it is full. */
  private suffix_(t: string): number {
    let k = this.sfxIndex_.get(t);
    if (k !== undefined) return k;
    k = this.sfxFree_.length > 0 ? (this.sfxFree_.pop() as number) : this.sfx_.length;
    if (k > 255) return 0;
    this.sfx_[k] = t;
    this.sfxIndex_.set(t, k);
    return k;
  }

  /** Frees id (its last answer went). */
  drop_(id: number): void {
    const n = this.length_(id);
    const k = this.chunk_[id];
    const x = this.suffixOf_[id];
    if (this.len_[id] === LONG) this.long_.delete(id);
    this.len_[id] = FREE;
    const r = (n + this.sfx_[x].length) & 15; // the recent list is by the whole name's length
    if (this.recentId_[r] === id) this.recentId_[r] = 0;
    if (x !== 0 && --this.sfxRefs_[x] === 0) {
      this.sfxIndex_.delete(this.sfx_[x]);
      this.sfx_[x] = '';
      this.sfxFree_.push(x);
    }
    if (k === 0) {
      this.deadOpen_.push(id);
      this.deadOpenChars_ += n;
      return;
    }
    this.at_[id] = this.freeId_;
    this.freeId_ = id;
    this.liveSealed_ -= n;
    if (--this.live_[k] === 0) this.release_(k);
    const garbage = this.sealed_ - this.liveSealed_;
    if (garbage > 4096 && garbage * 2 > this.liveSealed_) this.compact_();
  }

  /** Puts id's text `q` into the open chunk. */
  private place_(id: number, q: string): void {
    const n = this.npend_;
    this.chunk_[id] = 0;
    this.at_[id] = n;
    this.pend_[n] = q;
    this.pendIds_[n] = id;
    if ((this.npend_ = n + 1) === CHUNK || (this.pendChars_ += q.length) >= 32768) this.seal_();
  }

  private seal_(): void {
    const pend = this.pend_;
    const ids = this.pendIds_;
    const np = this.npend_;
    const dead = this.deadOpen_;
    const k = this.freeChunks_.pop() ?? this.chunks_.length;
    const chunk = this.chunk_;
    const at = this.at_;
    let off = 0;
    for (let i = 0; i < np; i++) {
      const id = ids[i];
      chunk[id] = k;
      at[id] = off;
      off += pend[i].length;
    }
    const text = pend.join(''); // past npend: '' since the last seal
    pend.fill('');
    this.npend_ = 0;
    this.pendChars_ = 0;
    // the names dropped meanwhile are garbage from the start; their ids are free from now
    for (let i = 0; i < dead.length; i++) {
      const id = dead[i];
      chunk[id] = 0;
      at[id] = this.freeId_;
      this.freeId_ = id;
    }
    this.chunks_[k] = text;
    this.live_[k] = np - dead.length;
    this.sealed_ += off;
    this.liveSealed_ += off - this.deadOpenChars_;
    dead.length = 0;
    this.deadOpenChars_ = 0;
    if (this.live_[k] === 0) this.release_(k);
  }

  private release_(k: number): void {
    this.sealed_ -= this.chunks_[k]!.length;
    this.chunks_[k] = undefined;
    this.live_[k] = 0;
    this.freeChunks_.push(k);
  }

  /** Moves every live sealed name into fresh chunks, oldest chunk first; empties the old ones. */
  private compact_(): void {
    const nc = this.chunks_.length;
    // live ids grouped by chunk: a counting sort
    const start = new Int32Array(nc + 1);
    for (let id = 1; id <= this.top_; id++) if (this.len_[id] !== FREE) start[this.chunk_[id] + 1]++;
    for (let k = 1; k <= nc; k++) start[k] += start[k - 1];
    const order = new Int32Array(start[nc]);
    const fill = start.slice(0, nc);
    for (let id = 1; id <= this.top_; id++) if (this.len_[id] !== FREE) order[fill[this.chunk_[id]]++] = id;
    for (let k = 1; k < nc; k++) {
      const text = this.chunks_[k];
      if (text === undefined || start[k] === start[k + 1]) continue; // free, or made by this compaction
      for (let i = start[k]; i < start[k + 1]; i++) {
        const id = order[i];
        const a = this.at_[id];
        const n = this.length_(id);
        this.liveSealed_ -= n;
        this.place_(id, text.slice(a, a + n));
      }
      this.release_(k);
    }
  }

  /** Room for 1,024 more ids: steps, not doubling, so little stays unused (9 B per id). */
  private grow_(): void {
    const n = this.len_.length + 1024;
    const len = new Uint16Array(n).fill(FREE, this.len_.length);
    len.set(this.len_);
    this.len_ = len;
    this.suffixOf_ = widen(this.suffixOf_, new Uint8Array(n));
    this.at_ = widen(this.at_, this.make_(n));
    this.ref_ = widen(this.ref_, this.make_(n));
    this.chunk_ = widen(this.chunk_, this.make_(n));
  }
}

function widen<T extends Index | Uint8Array>(a: Index | Uint8Array, b: T): T {
  b.set(a);
  return b;
}
