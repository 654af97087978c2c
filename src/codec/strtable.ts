// The batch's string table: every distinct string once. Three entry forms, chosen so the text
// comes back exactly: an IP address as its 4 or 16 bytes, a dotted name that shares a suffix
// with other entries as [prefix, suffix-ref] (like DNS name compression), anything else as text.
import { CborWriter, type CborReader } from './cbor';
import { ipBytes, ipText } from './ipbytes';
import { BatchError } from './wire';
import { isArray, isInteger } from '../compat/lang';

export class StringTable {
  private index_ = new Map<string, number>();
  readonly list_: string[] = [];

  /** The entry number of `s`, adding it on first use. */
  ref_(s: string): number {
    let i = this.index_.get(s);
    if (i === undefined) {
      i = this.list_.length;
      this.list_.push(s);
      this.index_.set(s, i);
    }
    return i;
  }

  /**
   * The table's entries, ready to write. Suffix entries a name is split on are appended first
   * (so `size` may grow): call before anything that depends on the final size is written.
   */
  finalize_(): Entry[] {
    const list = this.list_;
    // How many distinct names end in each dotted suffix: only shared suffixes are worth a ref.
    const shared = new Map<string, number>();
    const forms: Form[] = [];
    for (let i = 0; i < list.length; i++) {
      const f = formOf(list[i]);
      forms.push(f);
      const sufs = f.sufs_;
      if (sufs === null) continue;
      for (let k = 0; k < sufs.length; k++) shared.set(sufs[k], (shared.get(sufs[k]) ?? 0) + 1);
    }
    const out: Entry[] = [];
    for (let i = 0; i < list.length; i++) {
      const f = i < forms.length ? forms[i] : formOf(list[i]);
      if (f.ip_ !== null) {
        out.push(f.ip_);
        continue;
      }
      let split: Entry | null = null;
      // The longest suffix that is an entry already or is shared by two names.
      const sufs = f.sufs_;
      if (sufs !== null) {
        for (let k = 0; k < sufs.length; k++) {
          const rest = sufs[k];
          if (this.index_.has(rest) || (shared.get(rest) ?? 0) >= 2) {
            split = [prefixItem(f, k), this.ref_(rest)];
            break;
          }
        }
      }
      out.push(split ?? textItem(f));
    }
    return out;
  }
}

/**
 * What the table needs to know of a string, kept across batches (the same names and addresses
 * come back batch after batch, and under qjs a per-character loop costs ~1,000 instructions per
 * character): its address bytes, its dotted suffixes, its CBOR text item.
 */
interface Form {
  s_: string;
  /** The CBOR byte string item of its address bytes, or null when it is not an address. */
  ip_: Uint8Array | null;
  /** Suffixes after each dot that still contain a dot, longest first; null if none. */
  sufs_: string[] | null;
  /** Where each suffix starts (the dot's position). */
  cuts_: number[] | null;
  /** The CBOR text item of the whole string, made on first use. */
  text_: Uint8Array | null;
  /** The CBOR text items of the prefixes before each cut, made on first use. */
  pre_: (Uint8Array | undefined)[] | null;
}

/** Forms of recently seen strings. Bounded: cleared when full (it is only a cache). */
const forms = new Map<string, Form>();
const MAX_FORMS = 4096;

function formOf(s: string): Form {
  let f = forms.get(s);
  if (f !== undefined) return f;
  const ipb = ipBytes(s);
  let ip: Uint8Array | null = null;
  let sufs: string[] | null = null;
  let cuts: number[] | null = null;
  if (ipb !== null) {
    scratch.len_ = 0;
    scratch.byteString_(ipb);
    ip = scratch.bytes_();
  } else {
    for (let p = s.indexOf('.'); p > 0; p = s.indexOf('.', p + 1)) {
      const rest = s.slice(p + 1);
      if (rest.indexOf('.') <= 0) break;
      if (sufs === null || cuts === null) {
        sufs = [];
        cuts = [];
      }
      sufs.push(rest);
      cuts.push(p);
    }
  }
  f = { s_: s, ip_: ip, sufs_: sufs, cuts_: cuts, text_: null, pre_: null };
  if (forms.size >= MAX_FORMS) forms.clear();
  forms.set(s, f);
  return f;
}

/** Where items are made before they are copied out (one writer: no allocation but the copy). */
const scratch = new CborWriter(256);

/** The CBOR text item of `s`. */
function textOf(s: string): Uint8Array {
  scratch.len_ = 0;
  scratch.text_(s);
  return scratch.bytes_();
}

function textItem(f: Form): Uint8Array {
  if (f.text_ === null) f.text_ = textOf(f.s_);
  return f.text_;
}

function prefixItem(f: Form, k: number): Uint8Array {
  if (f.pre_ === null) f.pre_ = [];
  let b = f.pre_[k];
  if (b === undefined) {
    b = textOf(f.s_.slice(0, (f.cuts_ as number[])[k]));
    f.pre_[k] = b;
  }
  return b;
}

/**
 * One table entry as CBOR: a text or address item, or a name split on a suffix: the prefix's
 * text item and the suffix's entry number (written as [prefix, ref]).
 */
export type Entry = Uint8Array | [Uint8Array, number];

export function writeEntries(w: CborWriter, entries: Entry[]): void {
  w.head_(4, entries.length);
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    if (e instanceof Uint8Array) w.raw_(e);
    else {
      w.head_(4, 2);
      w.raw_(e[0]);
      w.uint_(e[1]);
    }
  }
}

/** Reads the table back to plain strings; suffix chains are followed with a depth limit. */
export function readTable(r: CborReader): string[] {
  const n = r.arrayHead_();
  const raw: unknown[] = new Array(n);
  for (let i = 0; i < n; i++) raw[i] = r.value_();
  const out = new Array<string | undefined>(n);
  const resolve = (i: number, depth: number): string => {
    const done = out[i];
    if (done !== undefined) return done;
    if (depth > 128) throw new BatchError(`string table entry ${i}: suffix chain too deep or cyclic`);
    const x = raw[i];
    let s: string;
    if (typeof x === 'string') s = x;
    else if (x instanceof Uint8Array && (x.length === 4 || x.length === 16)) s = ipText(x);
    else if (isArray(x) && x.length === 2 && typeof x[0] === 'string' && typeof x[1] === 'number' &&
      isInteger(x[1]) && x[1] >= 0 && x[1] < n && x[1] !== i) {
      s = x[0] + '.' + resolve(x[1], depth + 1);
    } else throw new BatchError(`string table entry ${i} is not text, a 4/16-byte address or [prefix, ref]`);
    out[i] = s;
    return s;
  };
  for (let i = 0; i < n; i++) resolve(i, 0);
  return out as string[];
}
