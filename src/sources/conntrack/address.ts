// Address text as the rest of netledger spells it. `conntrack` prints IPv6 through inet_ntop
// (compressed), the kernel's /proc/net/nf_conntrack through %pI6 (8 zero-padded groups):
// both must come out in the RFC 5952 form so flows join with DNS answers and leases.
import { formatIPv6, parseIPv6 } from '../../pipeline/cidr';

/**
 * RFC 5952 §4: lower case, no leading zeros, the longest run (first on a tie) of two or more
 * zero groups as '::'. Like glibc's inet_ntop, IPv4-mapped (::ffff:a.b.c.d) and the old
 * IPv4-compatible (::a.b.c.d) forms end in dotted quad. Returns null when `s` is not 8 groups
 * of 4 hex digits (39 characters with ':' at 4 and 34 that parse as IPv6 can be nothing else
 * once a zone is ruled out).
 */
export function compressPaddedIpv6(s: string): string | null {
  // the /proc spelling: 39 characters, ':' at 4 and 34
  var w = s.length === 39 && s.charCodeAt(4) === 58 && s.charCodeAt(34) === 58 && s.indexOf('%') < 0 ? parseIPv6(s) : null;
  return w === null ? null : formatIPv6(w);
}

// One regex test on a cache miss (fields.ts keeps the addresses checked): a charCodeAt loop
// costs qjs ~1.2k instructions a character (17k for an address), the negated class ~5k.
const NOT_ADDRESS_CHAR = /[^\da-fA-F.:]/;

/**
 * Cheap plausibility check for an address field: digits, hex letters, '.', ':' only, and
 * either a dot or a colon. Not a full validator: it keeps garbage out of events.
 */
export function looksLikeAddress(s: string): boolean {
  var n = s.length;
  return n >= 2 && n <= 45 && !NOT_ADDRESS_CHAR.test(s) && (s.indexOf('.') >= 0 || s.indexOf(':') >= 0);
}
