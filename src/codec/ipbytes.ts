// IP address text <-> raw bytes, for the batch string table: an address travels as 4 or 16
// bytes only when formatting those bytes gives back the very same text (dotted quad without
// leading zeros; RFC 5952 for IPv6), so decoding is exact. Anything else stays text.
import { parseIPv4, parseIPv6, formatIPv6 } from '../pipeline/cidr';

/** The address bytes of `s`, or null when `s` is not an address in canonical form. */
export function ipBytes(s: string): Uint8Array | null {
  if (s.length < 2 || s.length > 39) return null;
  if (s.indexOf(':') < 0) {
    // parseIPv4 rejects leading zeros: only canonical decimal passes (a name fails at its
    // first letter).
    const v = s.length < 7 || s.length > 15 ? -1 : parseIPv4(s);
    if (v < 0) return null;
    // (an array literal to start from costs qjs ~10,000 instructions more; a byte array store
    // keeps the low 8 bits)
    const b = new Uint8Array(4);
    for (let i = 0; i < 4; i++) b[i] = v >>> (24 - i * 8);
    return b;
  }
  // Parse loosely, then keep the bytes only if the canonical text is exactly the input.
  const w = parseIPv6(s);
  // IPv4-mapped addresses print as dotted quads in many libraries: keep them as text.
  if (w === null || (w[0] === 0 && w[1] === 0 && w[2] === 0xffff)) return null;
  const out = new Uint8Array(16);
  // each word is below 2^32: >>> takes its bytes exactly
  for (let i = 0; i < 16; i++) out[i] = w[i >> 2] >>> (24 - (i & 3) * 8);
  return formatIPv6(w, false) === s ? out : null;
}

/** Canonical text of 4 or 16 address bytes (RFC 5952 §4 for IPv6: lower case, longest zero run). */
export function ipText(b: Uint8Array): string {
  if (b.length === 4) return b.join('.');
  const w = [0, 0, 0, 0];
  for (let i = 0; i < 16; i++) w[i >> 2] = w[i >> 2] * 256 + b[i];
  return formatIPv6(w, false);
}
