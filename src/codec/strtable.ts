// The batch's string table: every distinct string once. Three entry forms, chosen so the text
// comes back exactly: an IP address as its 4 or 16 bytes, a dotted name that shares a suffix
// with other entries as [prefix, suffix-ref] (like DNS name compression), anything else as text.
import { cborWriter, type CborWriter } from './cbor';
import { ipBytes, ipText } from './ipbytes';
import { fail } from './wire';
import { isArray, isInteger } from '../compat/lang';

export interface StringTable {
  /** The entry number of `s`, adding it on first use. */
  ref_(s: string): number;
  /**
   * Writes the table's entries to `w` (the items only, without the array head) and returns how
   * many there are. Suffix entries a name is split on are appended (so the size may grow): call
   * before anything that depends on the final size is written.
   */
  finalize_(w: CborWriter): number;
}

/** An empty table (a closure: its map and list are locals). */
export function stringTable(): StringTable {
  const index = new Map<string, number>();
  const list: string[] = [];
  const ref = (s: string): number => {
    let i = index.get(s);
    if (i === undefined) {
      i = list.length;
      list.push(s);
      index.set(s, i);
    }
    return i;
  };
  const finalize = (w: CborWriter): number => {
    const n0 = list.length;
    const mark = ++stamp;
    // the cache is only ever cleared here, so each string has one form while a batch is made
    if (forms.size >= MAX_FORMS) forms.clear();
    // How many distinct names end in each dotted suffix (only shared suffixes are worth a ref),
    // and which strings are entries: counted on the forms, marked with this batch's stamp.
    const fs: Form[] = new Array(n0);
    var i, f, g, cur, k, cut, item;
    for (i = 0; i < n0; i++) {
      f = fs[i] = formOf(list[i]);
      if (f.stamp_ !== mark) touch(f, mark);
      f.entry_ = i;
      if (ipOf(f) !== null) continue;
      for (g = nextOf(f); g !== null; g = nextOf(g)) {
        if (g.stamp_ !== mark) touch(g, mark);
        g.count_++;
      }
    }
    for (i = 0; i < list.length; i++) {
      f = i < n0 ? fs[i] : formOf(list[i]);
      item = ipOf(f);
      if (item === null) {
        // The longest suffix that is an entry already or is shared by two names: [prefix, ref].
        for (cur = f, k = 0, cut = -1; (g = nextOf(cur)) !== null; cur = g, k++) {
          cut += cur.cut_ + 1;
          if (g.stamp_ === mark && (g.entry_ >= 0 || g.count_ >= 2)) {
            if (g.entry_ < 0) g.entry_ = ref(g.s_);
            w.head_(4, 2);
            w.raw_(prefixItem(f, k, cut));
            w.head_(0, g.entry_);
            break;
          }
        }
        if (g !== null) continue;
        item = f.text_ ?? (f.text_ = itemOf(f.s_));
      }
      w.raw_(item);
    }
    return list.length;
  };
  return { ref_: ref, finalize_: finalize };
}

/**
 * What the table needs to know of a string, kept across batches (the same names and addresses
 * come back batch after batch, and under qjs a per-character loop costs ~1,000 instructions per
 * character): its address bytes, its dotted suffix, its CBOR text item; and what finalize_
 * counts of it in the batch being made.
 */
interface Form {
  s_: string;
  /** The CBOR byte string item of its address bytes, null when it is not an address (undefined: not asked yet). */
  ip_: Uint8Array | null | undefined;
  /** The form of the text after the first dot when that still has a dot (not first), else null (undefined: not asked yet). */
  next_: Form | null | undefined;
  /** Where the first dot is. */
  cut_: number;
  /** The CBOR text item of the whole string, made on first use. */
  text_: Uint8Array | null;
  /** The CBOR text items of the prefixes before each suffix, made on first use. */
  pre_: (Uint8Array | undefined)[] | null;
  /** The finalize_ call the two fields below are of (they are stale when it is another). */
  stamp_: number;
  /** How many of the batch's names (not addresses) end in it. */
  count_: number;
  /** Its entry number in the batch, or -1. */
  entry_: number;
}

/**
 * Forms of recently seen strings (entries and their suffixes). Bounded: cleared when full at the
 * start of a batch (it is only a cache), so it holds at most MAX_FORMS plus one batch's strings.
 */
const forms = new Map<string, Form>();
const MAX_FORMS = 4096;
/** Numbers finalize_ calls, for the marks on forms. */
let stamp = 0;

function formOf(s: string): Form {
  let f = forms.get(s);
  if (f === undefined) {
    f = { s_: s, ip_: undefined, next_: undefined, cut_: -1, text_: null, pre_: null, stamp_: 0, count_: 0, entry_: -1 };
    forms.set(s, f);
  }
  return f;
}

function touch(f: Form, mark: number): void {
  f.stamp_ = mark;
  f.count_ = 0;
  f.entry_ = -1;
}

function ipOf(f: Form): Uint8Array | null {
  if (f.ip_ === undefined) {
    const ipb = ipBytes(f.s_);
    f.ip_ = ipb && itemOf(ipb);
  }
  return f.ip_;
}

/** The form of the first dotted suffix of f (see Form.next_). */
function nextOf(f: Form): Form | null {
  if (f.next_ === undefined) {
    const s = f.s_;
    const p = s.indexOf('.');
    f.next_ = null;
    if (p > 0) {
      const rest = s.slice(p + 1);
      if (rest.indexOf('.') > 0) {
        f.cut_ = p;
        f.next_ = formOf(rest);
      }
    }
  }
  return f.next_;
}

/** Where items are made before they are copied out (one writer: no allocation but the copy). */
const scratch = cborWriter(256);

/** The CBOR item of a text or of an address's bytes. */
function itemOf(v: string | Uint8Array): Uint8Array {
  scratch.reset_();
  if (typeof v === 'string') scratch.text_(v);
  else {
    scratch.head_(2, v.length);
    scratch.raw_(v);
  }
  return scratch.bytes_();
}

/** The text item of f's text before its k-th suffix, which starts at `cut`. */
function prefixItem(f: Form, k: number, cut: number): Uint8Array {
  const pre = f.pre_ ?? (f.pre_ = []);
  return pre[k] ?? (pre[k] = itemOf(f.s_.slice(0, cut)));
}

/** The table's entries (decoded CBOR) as plain strings; suffix chains are followed with a depth limit. */
export function readTable(raw: unknown[]): string[] {
  const n = raw.length;
  const out: string[] = [];
  const resolve = (i: number, depth: number): string => {
    const x = raw[i];
    if (out[i] !== undefined) return out[i];
    if (depth > 128) fail(`string table entry ${i}: suffix chain too deep or cyclic`);
    if (typeof x === 'string') return (out[i] = x);
    if (x instanceof Uint8Array && (x.length === 4 || x.length === 16)) return (out[i] = ipText(x));
    if (isArray(x) && x.length === 2 && typeof x[0] === 'string' && isInteger(x[1]) && x[1] >= 0 && x[1] < n && x[1] !== i) {
      return (out[i] = x[0] + '.' + resolve(x[1], depth + 1));
    }
    return fail(`string table entry ${i} is not text, a 4/16-byte address or [prefix, ref]`);
  };
  return raw.map((_, i) => resolve(i, 0));
}
