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
    if (line.trim() === '') continue;
    const lease = parseLine(line);
    if (lease === 'skip') continue;
    if (lease === null) {
      counters.drop('leases_bad_line', 1, line);
      continue;
    }
    out.push(lease);
  }
  return out;
}

function parseLine(line: string): Lease | null | 'skip' {
  const f = line.trim().split(/\s+/);
  if (f[0] === 'duid' || f[0] === 'agent-info' || f[0] === 'vendorclass') return 'skip';
  if (f.length !== 5) return null;
  const expires = parseUint(f[0]);
  if (expires < 0) return null;
  const hostname = f[3] === '*' ? undefined : f[3];
  const id = f[4] === '*' ? undefined : f[4].toLowerCase();
  if (id !== undefined && !isColonHex(id)) return null;
  if (f[2].indexOf(':') < 0) {
    if (parseIPv4(f[2]) < 0) return null;
    const lease: Lease = { ip: f[2], family: 4, expires };
    const mac = normalizeMac(f[1]);
    if (mac === null) return null;
    if (mac !== undefined) lease.mac = mac;
    if (hostname !== undefined) lease.hostname = hostname;
    if (id !== undefined) lease.clientId = id;
    return lease;
  }
  const ip = normalizeIp(f[2]);
  if (ip === undefined) return null;
  let iaidText = f[1];
  const temporary = iaidText.charCodeAt(0) === 84; // 'T'
  if (temporary) iaidText = iaidText.slice(1);
  const iaid = parseUint(iaidText);
  if (iaid < 0 || iaid > 0xffffffff) return null;
  const lease: Lease = { ip, family: 6, expires, iaid };
  if (temporary) lease.temporary = true;
  if (hostname !== undefined) lease.hostname = hostname;
  if (id !== undefined) lease.duid = id;
  return lease;
}

// A lease file is read when it changes, a few hundred lines at most: regexes are affordable.
function parseUint(s: string): number {
  return /^\d{1,15}$/.test(s) ? Number(s) : -1;
}

/** Lowercase hex bytes joined by ':' ('aa:bb:...'). */
function isColonHex(s: string): boolean {
  return /^[0-9a-f]{2}(:[0-9a-f]{2})*$/.test(s);
}

/**
 * Lowercase 'aa:bb:cc:dd:ee:ff'; undefined for a well-formed non-Ethernet hardware address
 * ('<type>-...'); null when the text is not a hardware address at all.
 */
export function normalizeMac(s: string): string | undefined | null {
  const dash = s.indexOf('-');
  if (dash >= 0) {
    const rest = s.slice(dash + 1).toLowerCase();
    return dash === 2 && (rest === '' || isColonHex(rest)) ? undefined : null;
  }
  const m = s.toLowerCase();
  if (m.length !== 17 || !isColonHex(m)) return null;
  return m;
}
