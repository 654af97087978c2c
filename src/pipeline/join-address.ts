// Address text → numbers for the join's key, tuned for qjs, where a per-character JS loop costs
// ~1,400 instructions a character (cidr.ts parseIPv4: ~21,000 for '198.51.100.23', parseIPv6:
// ~53,000) while native indexOf/slice/split/Number cost a few hundred each. So the common,
// canonical spellings go through native calls (~10,000 for IPv4); anything unusual (an embedded
// IPv4 tail, a zone, a malformed group) falls back to cidr.ts's strict parser.
// Both are lenient only in ways inet_ntop never prints (' 1', '+1', '1e2', '0x1' as an octet): such
// text can at worst alias the address it spells numerically, never throw.
import { parseIPv6 } from './cidr';

/** Dotted quad → uint32, or -1. */
export function ipv4Value(s: string): number {
  const d1 = s.indexOf('.');
  const d2 = s.indexOf('.', d1 + 1);
  const d3 = s.indexOf('.', d2 + 1);
  if (d1 < 1 || d2 < d1 + 2 || d3 < d2 + 2 || d3 > s.length - 2 || d3 - d2 > 4 || d1 > 3 || d2 - d1 > 4 || s.length - d3 > 4) return -1;
  const o1 = +s.slice(0, d1);
  const o2 = +s.slice(d1 + 1, d2);
  const o3 = +s.slice(d2 + 1, d3);
  if (s.indexOf('.', d3 + 1) >= 0) return -1; // '1.2.3.0.0': +'0.0' would pass
  const o4 = +s.slice(d3 + 1);
  // NaN and fractions fail the mask test
  if ((o1 & 255) !== o1 || (o2 & 255) !== o2 || (o3 & 255) !== o3 || (o4 & 255) !== o4) return -1;
  return o1 * 16777216 + o2 * 65536 + o3 * 256 + o4;
}

const groups = [0, 0, 0, 0, 0, 0, 0, 0];

/** IPv6 text → four uint32 words written into `out` (and returned), or null. */
export function ipv6Words(s: string, out: number[]): number[] | null {
  if (s.indexOf('.') >= 0 || s.indexOf('%') >= 0) return parseIPv6(s, out);
  const g = s.split(':');
  const n = g.length;
  if (n < 3 || n > 8 + 1) return parseIPv6(s, out);
  // at most one '::' (an empty group inside, or a leading/trailing pair); expand it in place
  let gap = -1;
  let start = 0;
  let end = n;
  if (g[0] === '') {
    if (g[1] !== '') return null;
    start = 1;
  }
  if (g[n - 1] === '') {
    if (g[n - 2] !== '') return null;
    end = n - 1;
  }
  const v = groups;
  let k = 0;
  for (let i = start; i < end; i++) {
    const t = g[i];
    if (t === '') {
      if (gap >= 0) return null;
      gap = k;
      continue;
    }
    if (t.length > 4 || k === 8) return null;
    const x = parseInt(t, 16);
    if (!(x >= 0)) return null; // NaN, or '-1'
    v[k++] = x;
  }
  if (gap < 0) {
    if (k !== 8) return null;
  } else {
    if (k > 7) return null;
    // move the groups after the gap to the end (back to front: the ranges may overlap), zero the gap
    const tail = k - gap;
    for (let i = 1; i <= tail; i++) v[8 - i] = v[k - i];
    for (let i = gap; i < 8 - tail; i++) v[i] = 0;
  }
  out[0] = v[0] * 65536 + v[1];
  out[1] = v[2] * 65536 + v[3];
  out[2] = v[4] * 65536 + v[5];
  out[3] = v[6] * 65536 + v[7];
  return out;
}

const MEMO = 512; // spellings remembered

export interface AddressKeys {
  /** the words of the last IPv6 address read */
  readonly w_: number[];
  /** The IPv4 value (≥ 0); -2 for IPv6, its words in `w_`; -1 for text that is no address. */
  read_(s: string): number;
}

/**
 * Address text → the join's key, remembered for the last few hundred spellings: the same
 * addresses recur (popular servers; every flow to one), and a lookup of the text costs a
 * fifteenth of parsing it. Emptied when full. In a null-prototype record, not a Map: qjs keeps
 * its keys as atoms (the key string itself), ~70 B less an entry, and the lookup is cheaper.
 * `new AddressKeys()`: a constructor function returning its object (state in closure locals;
 * `var`: qjs checks let/const for their dead zone on every read).
 */
export const AddressKeys = function (): AddressKeys {
  var memo = Object.create(null) as Record<string, number | undefined>;
  var n = 0;
  var words = new Uint32Array(MEMO * 4); // IPv6 words of the memo's entries
  var n6 = 0;
  var w = [0, 0, 0, 0];
  return {
    w_: w,
    read_(s) {
      var v = memo[s];
      if (v === undefined) {
        if (n >= MEMO) {
          memo = Object.create(null) as Record<string, number | undefined>;
          n = n6 = 0;
        }
        if (s.indexOf(':') < 0) v = ipv4Value(s);
        else if (ipv6Words(s, w) === null) v = -1;
        else {
          var k = n6++ * 4;
          words[k] = w[0];
          words[k + 1] = w[1];
          words[k + 2] = w[2];
          words[k + 3] = w[3];
          v = -2 - k;
        }
        memo[s] = v;
        n++;
        return v < -1 ? -2 : v;
      }
      if (v < -1) {
        k = -2 - v;
        w[0] = words[k];
        w[1] = words[k + 1];
        w[2] = words[k + 2];
        w[3] = words[k + 3];
        return -2;
      }
      return v;
    },
  };
} as unknown as new () => AddressKeys;
