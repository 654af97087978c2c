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

export interface NameStore {
  /** name id → answers holding it (kept by AnswerTable); 0 frees the id through drop_() */
  ref_: Index;
  /** name id → length of its text in its chunk (LONG: in `long`); FREE when the id is free (id 0
   *  never names anything). 16 bits: a qname is at most a few hundred characters */
  len_: Uint16Array;
  /** An id for `q`: a recent one of the same text, else a new one (ref 0). Give it to an answer at once. */
  add(q: string): number;
  get(id: number): string;
  /** Frees id (its last answer went). */
  drop_(id: number): void;
  /** (for the tests) characters in sealed chunks, of those the ones still named, and how many
   *  lengths are held aside (LONG) */
  chars_(): [number, number, number];
}

/**
 * `new NameStore(make)`: a constructor function returning its object, whose state is closure
 * locals (shorter than `this.x_` members, and cheaper to read in qjs); `ref_` and `len_`, which
 * the table reads, are published on the object again when they grow. `var`: qjs checks
 * let/const for their dead zone on every read.
 */
export const NameStore = function (make: (n: number) => Index): NameStore {
  var ref = make(1);
  var len = new Uint16Array(1).fill(FREE);
  var long = new Map<number, number>();
  /** name id → index of its suffix in `sfx`, 0 for none */
  var suffixOf = new Uint8Array(1);
  /** suffix index → text ('' when free); index 0 is never used */
  var sfx: string[] = [''];
  var sfxRefs = new Int32Array(256);
  var sfxIndex = new Map<string, number>();
  var sfxFree: number[] = [];
  var lastSfx = 0; // the last suffix looked up: consecutive names often share it
  /** name id → offset in its chunk (< 32768: a chunk is sealed once it holds that many
   *  characters), or index in `pend` while open; the next free id when free */
  var at = make(1);
  /** name id → chunk index; 0 = the open chunk */
  var chunk = make(1);
  var top = 0;
  var freeId = 0;
  var chunks: (string | undefined)[] = [undefined];
  var live: number[] = [0]; // per chunk: names held
  var freeChunks: number[] = [];
  var pend: string[] = new Array<string>(CHUNK).fill('');
  var pendIds = new Int32Array(CHUNK);
  var npend = 0;
  var pendChars = 0; // characters in the open chunk (its last name may pass 32768)
  /** ids dropped while their chunk was open, freed at seal() */
  var deadOpen: number[] = [];
  var deadOpenChars = 0;
  /** the last names added, by length & 15, and their ids: A and AAAA queries for one name, or
   *  two devices asking it, share one id */
  var recentQ: string[] = new Array<string>(16).fill('');
  var recentId = new Int32Array(16);
  var sealed = 0; // characters in sealed chunks
  var liveSealed = 0; // of which still named

  /** The length of live id's text in its chunk. */
  function length(id: number): number {
    var n = len[id];
    return n !== LONG ? n : (long.get(id) as number);
  }

  /** Puts id's text `q` into the open chunk. */
  function place(id: number, q: string): void {
    var n = npend;
    chunk[id] = 0;
    at[id] = n;
    pend[n] = q;
    pendIds[n] = id;
    if ((npend = n + 1) === CHUNK || (pendChars += q.length) >= 32768) seal();
  }

  function seal(): void {
    const k = freeChunks.pop() ?? chunks.length;
    let off = 0;
    for (let i = 0; i < npend; i++) {
      const id = pendIds[i];
      chunk[id] = k;
      at[id] = off;
      off += pend[i].length;
    }
    const text = pend.join(''); // past npend: '' since the last seal
    pend.fill('');
    // the names dropped meanwhile are garbage from the start; their ids are free from now
    for (const id of deadOpen) {
      chunk[id] = 0;
      at[id] = freeId;
      freeId = id;
    }
    chunks[k] = text;
    live[k] = npend - deadOpen.length;
    sealed += off;
    liveSealed += off - deadOpenChars;
    npend = pendChars = deadOpen.length = deadOpenChars = 0;
    if (live[k] === 0) release(k);
  }

  function release(k: number): void {
    sealed -= chunks[k]!.length;
    chunks[k] = undefined;
    live[k] = 0;
    freeChunks.push(k);
  }

  const self: NameStore = {
    ref_: ref,
    len_: len,

    add(q) {
      var r = q.length & 15;
      if (recentQ[r] === q && recentId[r] !== 0) return recentId[r];
      var id = freeId;
      if (id !== 0) freeId = at[id];
      else if ((id = ++top) >= len.length) {
        // room for 1,024 more ids: steps, not doubling, so little stays unused (9 B per id)
        const n = id + 1024; // id is len.length: ids are handed out one by one
        self.len_ = len = grown(len, n).fill(FREE, id);
        suffixOf = grown(suffixOf, n);
        at = grown(at, n);
        self.ref_ = ref = grown(ref, n);
        chunk = grown(chunk, n);
      }
      // the text after the first label goes to the suffix table when it has room
      var text = q;
      var k = 0;
      var dot = q.indexOf('.');
      if (dot >= 0) {
        var suffix = q.slice(dot);
        if (sfx[lastSfx] === suffix) k = lastSfx;
        else {
          // its index, added if the table has room; 0 when it is full
          k = sfxIndex.get(suffix) ?? sfxFree.pop() ?? sfx.length;
          if (k > 255) k = 0;
          else if (sfx[k] !== suffix) {
            sfx[k] = suffix;
            sfxIndex.set(suffix, k);
          }
        }
        if (k !== 0) {
          sfxRefs[k]++;
          lastSfx = k;
          text = q.slice(0, dot);
        }
      }
      suffixOf[id] = k;
      if (text.length < LONG) len[id] = text.length;
      else {
        len[id] = LONG;
        long.set(id, text.length);
      }
      place(id, text);
      recentQ[r] = q;
      recentId[r] = id;
      return id;
    },

    get(id) {
      var k = chunk[id];
      var a = at[id];
      var x = suffixOf[id];
      // length(), written out: a call costs ~400 instructions (once per named flow)
      var n = len[id];
      if (n === LONG) n = long.get(id) as number;
      var text = k === 0 ? pend[a] : chunks[k]!.slice(a, a + n);
      return x === 0 ? text : text + sfx[x];
    },

    drop_(id) {
      const n = length(id);
      const k = chunk[id];
      const x = suffixOf[id];
      if (len[id] === LONG) long.delete(id);
      len[id] = FREE;
      const r = (n + sfx[x].length) & 15; // the recent list is by the whole name's length
      if (recentId[r] === id) recentId[r] = 0;
      if (x !== 0 && --sfxRefs[x] === 0) {
        sfxIndex.delete(sfx[x]);
        sfx[x] = '';
        sfxFree.push(x);
      }
      if (k === 0) {
        deadOpen.push(id);
        deadOpenChars += n;
        return;
      }
      at[id] = freeId;
      freeId = id;
      liveSealed -= n;
      if (--live[k] === 0) release(k);
      const garbage = sealed - liveSealed;
      if (garbage > 4096 && garbage * 2 > liveSealed) {
        // compaction: every live sealed name moves into fresh chunks, oldest chunk first; the old
        // ones empty. Live ids grouped by chunk: a counting sort
        const nc = chunks.length;
        const start = new Int32Array(nc + 1);
        for (let id = 1; id <= top; id++) if (len[id] !== FREE) start[chunk[id] + 1]++;
        for (let k = 1; k <= nc; k++) start[k] += start[k - 1];
        const order = new Int32Array(start[nc]);
        const fill = start.slice(0, nc);
        for (let id = 1; id <= top; id++) if (len[id] !== FREE) order[fill[chunk[id]]++] = id;
        for (let k = 1; k < nc; k++) {
          const text = chunks[k];
          if (text === undefined || start[k] === start[k + 1]) continue; // free, or made by this compaction
          for (let i = start[k]; i < start[k + 1]; i++) {
            const id = order[i];
            const a = at[id];
            const n = length(id);
            liveSealed -= n;
            place(id, text.slice(a, a + n));
          }
          release(k);
        }
      }
    },

    chars_: () => [sealed, liveSealed, long.size],
  };
  return self;
} as unknown as new (make: (n: number) => Index) => NameStore;

/** A copy of `a` (of the same type) with room for n elements. */
export function grown<T extends Index | Uint8Array>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a.length <= n ? a : (a.subarray(0, n) as T));
  return b;
}
