// dnsmasq's lease file (/tmp/dhcp.leases on OpenWrt), as written by lease_update_file() in
// dnsmasq's src/lease.c:
//   IPv4:    <expires> <hwaddr> <ipv4> <hostname|*> <client-id|*>
//   then, when DHCPv6 runs:  duid <server-duid>
//   IPv6:    <expires> [T]<iaid> <ipv6> <hostname|*> <client-duid|*>   ('T' = temporary address)
//   then optional extras:    agent-info <ip> <hex> / vendorclass <ip> <hex>
// <expires> is epoch seconds, 0 = infinite. <hwaddr> is colon-separated hex; a non-Ethernet
// hardware type is written as a '<type>-' prefix (e.g. '06-aa:bb...'), and a lease without a
// hardware address as '<type>-' alone: neither is an Ethernet MAC, so no `mac` is reported.
import type { Counters } from '../counters';
import { normalizeIp, parseIPv4 } from '../pipeline/cidr';

export interface Lease {
  ip: string;
  mac?: string;
  hostname?: string;
  /** epoch seconds; 0 or undefined = never expires */
  expires?: number;
  /** DHCPv4 client identifier, colon hex */
  clientId?: string;
  /** DHCPv6 client DUID, colon hex */
  duid?: string;
  iaid?: number;
  /** DHCPv6 temporary address (IA_TA) */
  temporary?: boolean;
  family: 4 | 6;
}

/** Parses the whole file; bad lines are counted under `leases_bad_line` and skipped. */
export function parseLeases(text: string, counters: Counters): Lease[] {
  const out: Lease[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    // blank lines, and the server DUID and the extras, which name no client address
    if (/^(|duid|agent-info|vendorclass)$/.test(f[0])) continue;
    const lease = parseLine(f);
    if (lease) out.push(lease);
    else counters.drop('leases_bad_line', 1, line);
  }
  return out;
}

// A lease file is read when it changes, a few hundred lines at most: regexes are affordable.
const uint = (s: string): number => (/^\d{1,15}$/.test(s) ? +s : -1);

function parseLine(f: string[]): Lease | null {
  const [exp, hw, addr, name, cid] = f;
  const expires = uint(exp);
  const id = cid === '*' ? undefined : cid?.toLowerCase();
  const hostname = name === '*' ? undefined : name;
  if (f.length !== 5 || expires < 0 || (id !== undefined && !isColonHex(id))) return null;
  let lease: Record<string, unknown>;
  if (!addr.includes(':')) {
    const mac = normalizeMac(hw);
    if (parseIPv4(addr) < 0 || mac === null) return null;
    lease = { ip: addr, family: 4, expires, mac, hostname, clientId: id };
  } else {
    const ip = normalizeIp(addr);
    const temporary = hw[0] === 'T';
    const iaid = uint(temporary ? hw.slice(1) : hw);
    if (ip === undefined || iaid < 0 || iaid > 0xffffffff) return null;
    lease = { ip, family: 6, expires, iaid, temporary: temporary || undefined, hostname, duid: id };
  }
  // the fields a line leaves unset are absent, not undefined
  for (const k in lease) if (lease[k] === undefined) delete lease[k];
  return lease as unknown as Lease;
}

/** Lowercase hex bytes joined by ':' ('aa:bb:...'). */
const isColonHex = (s: string): boolean => /^[0-9a-f]{2}(:[0-9a-f]{2})*$/.test(s);

/**
 * Lowercase 'aa:bb:cc:dd:ee:ff'; undefined for a well-formed non-Ethernet hardware address
 * ('<type>-...'); null when the text is not a hardware address at all.
 */
export function normalizeMac(s: string): string | undefined | null {
  const m = s.toLowerCase();
  const dash = m.indexOf('-');
  if (dash < 0) return m.length === 17 && isColonHex(m) ? m : null;
  const rest = m.slice(dash + 1);
  return dash === 2 && (rest === '' || isColonHex(rest)) ? undefined : null;
}
