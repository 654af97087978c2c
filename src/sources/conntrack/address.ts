// Address text as the rest of netledger spells it. `conntrack` prints IPv6 through inet_ntop
// (compressed), the kernel's /proc/net/nf_conntrack through %pI6 (8 zero-padded groups):
// both must come out in the RFC 5952 form so flows join with DNS answers and leases.

/** True for the /proc spelling: exactly 8 groups of 4 hex digits. */
export function isPaddedIpv6(s: string): boolean {
  return s.length === 39 && s.charCodeAt(4) === 58 && s.charCodeAt(34) === 58;
}

/**
 * RFC 5952 §4: lower case, no leading zeros, the longest run (first on a tie) of two or more
 * zero groups as '::'. Like glibc's inet_ntop, IPv4-mapped (::ffff:a.b.c.d) and the old
 * IPv4-compatible (::a.b.c.d) forms end in dotted quad. Returns null when `s` is not 8 groups
 * of 4 hex digits.
 */
export function compressPaddedIpv6(s: string): string | null {
  if (!isPaddedIpv6(s)) return null;
  const g = new Array<number>(8);
  for (let k = 0; k < 8; k++) {
    const at = k * 5;
    if (k < 7 && s.charCodeAt(at + 4) !== 58) return null;
    let v = 0;
    for (let j = at; j < at + 4; j++) {
      const d = hexValue(s.charCodeAt(j));
      if (d < 0) return null;
      v = v * 16 + d;
    }
    g[k] = v;
  }
  let bestAt = -1;
  let bestLen = 0;
  for (let k = 0; k < 8; ) {
    if (g[k] !== 0) {
      k++;
      continue;
    }
    let e = k;
    while (e < 8 && g[e] === 0) e++;
    if (e - k > bestLen) {
      bestAt = k;
      bestLen = e - k;
    }
    k = e;
  }
  if (bestLen < 2) bestAt = -1;
  if (bestAt === 0 && (bestLen === 6 || (bestLen === 5 && g[5] === 0xffff))) {
    return (bestLen === 5 ? '::ffff:' : '::') + (g[6] >> 8) + '.' + (g[6] & 255) + '.' + (g[7] >> 8) + '.' + (g[7] & 255);
  }
  let out = '';
  for (let k = 0; k < 8; k++) {
    if (k === bestAt) {
      out += '::';
      k += bestLen - 1;
      continue;
    }
    if (out.length > 0 && out.charCodeAt(out.length - 1) !== 58) out += ':';
    out += g[k].toString(16);
  }
  return out;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * Cheap plausibility check for an address field: digits, hex letters, '.', ':' only, and
 * either a dot or a colon. Not a full validator: it keeps garbage out of events.
 */
export function looksLikeAddress(s: string): boolean {
  const n = s.length;
  if (n < 2 || n > 45) return false;
  let sep = false;
  for (let k = 0; k < n; k++) {
    const c = s.charCodeAt(k);
    if (c === 46 || c === 58) sep = true;
    else if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70))) return false;
  }
  return sep;
}
