// The batch's string table: every distinct string once. Three entry forms, chosen so the text
// comes back exactly: an IP address as its 4 or 16 bytes, a dotted name that shares a suffix
// with other entries as [prefix, suffix-ref] (like DNS name compression), anything else as text.
import type { CborWriter, CborReader } from './cbor';
import { ipBytes, ipText } from './ipbytes';
import { BatchError } from './wire';

export class StringTable {
  private index = new Map<string, number>();
  readonly list: string[] = [];

  /** The entry number of `s`, adding it on first use. */
  ref(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.list.length;
      this.list.push(s);
      this.index.set(s, i);
    }
    return i;
  }

  get size(): number {
    return this.list.length;
  }

  /**
   * Writes the table. Suffix entries a name is split on are appended first (so `size` may
   * grow): call before anything that depends on the final size is written — see finalize().
   */
  finalize(): Entry[] {
    const list = this.list;
    // How many distinct names end in each dotted suffix: only shared suffixes are worth a ref.
    const shared = new Map<string, number>();
    const forms: (Uint8Array | null)[] = [];
    for (let i = 0; i < list.length; i++) {
      const s = list[i];
      const ip = ipBytes(s);
      forms.push(ip);
      if (ip) continue;
      for (let p = s.indexOf('.'); p > 0; p = s.indexOf('.', p + 1)) {
        const rest = s.slice(p + 1);
        if (rest.indexOf('.') <= 0) break;
        shared.set(rest, (shared.get(rest) ?? 0) + 1);
      }
    }
    const out: Entry[] = [];
    for (let i = 0; i < list.length; i++) {
      const s = list[i];
      const ip = i < forms.length ? forms[i] : ipBytes(s);
      if (ip) {
        out.push(ip);
        continue;
      }
      let split: Entry = s;
      // The longest suffix that is an entry already or is shared by two names.
      for (let p = s.indexOf('.'); p > 0; p = s.indexOf('.', p + 1)) {
        const rest = s.slice(p + 1);
        if (rest.indexOf('.') <= 0) break;
        if (this.index.has(rest) || (shared.get(rest) ?? 0) >= 2) {
          split = [s.slice(0, p), this.ref(rest)];
          break;
        }
      }
      out.push(split);
    }
    return out;
  }
}

/** Text, address bytes, or [prefix, suffix entry number] meaning prefix + "." + suffix. */
export type Entry = string | Uint8Array | [string, number];

export function writeEntries(w: CborWriter, entries: Entry[]): void {
  w.head(4, entries.length);
  for (const e of entries) {
    if (typeof e === 'string') w.text(e);
    else if (e instanceof Uint8Array) w.byteString(e);
    else {
      w.head(4, 2);
      w.text(e[0]);
      w.uint(e[1]);
    }
  }
}

/** Reads the table back to plain strings; suffix chains are followed with a depth limit. */
export function readTable(r: CborReader): string[] {
  const n = r.arrayHead();
  const raw: unknown[] = new Array(n);
  for (let i = 0; i < n; i++) raw[i] = r.value();
  const out = new Array<string | undefined>(n);
  const resolve = (i: number, depth: number): string => {
    const done = out[i];
    if (done !== undefined) return done;
    if (depth > 128) throw new BatchError(`string table entry ${i}: suffix chain too deep or cyclic`);
    const x = raw[i];
    let s: string;
    if (typeof x === 'string') s = x;
    else if (x instanceof Uint8Array && (x.length === 4 || x.length === 16)) s = ipText(x);
    else if (Array.isArray(x) && x.length === 2 && typeof x[0] === 'string' && typeof x[1] === 'number' &&
      Number.isInteger(x[1]) && x[1] >= 0 && x[1] < n && x[1] !== i) {
      s = x[0] + '.' + resolve(x[1], depth + 1);
    } else throw new BatchError(`string table entry ${i} is not text, a 4/16-byte address or [prefix, ref]`);
    out[i] = s;
    return s;
  };
  for (let i = 0; i < n; i++) resolve(i, 0);
  return out as string[];
}
