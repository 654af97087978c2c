// IP address text <-> raw bytes, for the batch string table: an address travels as 4 or 16
// bytes only when formatting those bytes gives back the very same text (dotted quad without
// leading zeros; RFC 5952 for IPv6), so decoding is exact. Anything else stays text.

/** The address bytes of `s`, or null when `s` is not an address in canonical form. */
export function ipBytes(s: string): Uint8Array | null {
  if (s.length < 2 || s.length > 39) return null;
  return s.indexOf(':') >= 0 ? ipv6Bytes(s) : ipv4Bytes(s);
}

function ipv4Bytes(s: string): Uint8Array | null {
  if (s.length < 7 || s.length > 15) return null;
  const c = s.charCodeAt(0);
  if (c < 48 || c > 57) return null; // most strings are names: leave at once
  // Native split and number conversion beat a character loop under qjs. String(n) === part
  // rejects leading zeros, signs, spaces, hex and exponents: only canonical decimal passes.
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const n = +parts[i];
    if (!(n >= 0 && n <= 255) || String(n) !== parts[i]) return null;
    out[i] = n;
  }
  return out;
}

function ipv6Bytes(s: string): Uint8Array | null {
  // Parse loosely, then keep the bytes only if the canonical text is exactly the input.
  const groups: number[] = [];
  let gap = -1;
  let i = 0;
  if (s.startsWith('::')) {
    gap = 0;
    i = 2;
  }
  while (i < s.length) {
    let v = 0;
    let n = 0;
    while (i < s.length && n < 5) {
      const c = s.charCodeAt(i);
      const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
      if (d < 0) break;
      v = v * 16 + d;
      n++;
      i++;
    }
    if (n === 0 || n > 4) return null;
    groups.push(v);
    if (i === s.length) break;
    if (s.charCodeAt(i) !== 58) return null;
    i++;
    if (i < s.length && s.charCodeAt(i) === 58) {
      if (gap >= 0) return null;
      gap = groups.length;
      i++;
    } else if (i === s.length) return null;
  }
  const fill = 8 - groups.length;
  if (gap < 0 ? fill !== 0 : fill < 1) return null;
  const all = gap < 0 ? groups : [...groups.slice(0, gap), ...new Array<number>(fill).fill(0), ...groups.slice(gap)];
  const out = new Uint8Array(16);
  for (let g = 0; g < 8; g++) {
    out[g * 2] = all[g] >> 8;
    out[g * 2 + 1] = all[g] & 0xff;
  }
  // IPv4-mapped addresses print as dotted quads in many libraries: keep them as text.
  if (all[0] === 0 && all[1] === 0 && all[2] === 0 && all[3] === 0 && all[4] === 0 && all[5] === 0xffff) return null;
  return ipText(out) === s ? out : null;
}

/** Canonical text of 4 or 16 address bytes (RFC 5952 §4 for IPv6: lower case, longest zero run). */
export function ipText(b: Uint8Array): string {
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((b[i] << 8) | b[i + 1]);
  let best = -1;
  let bestLen = 1; // §4.2.2: a single zero group is not shortened
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === best) {
      out += i === 0 ? '::' : ':';
      i += bestLen - 1;
      continue;
    }
    out += g[i].toString(16);
    if (i < 7) out += ':';
  }
  return out;
}
