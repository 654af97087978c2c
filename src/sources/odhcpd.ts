// odhcpd's DHCPv6 leases, from `ubus call dhcp ipv6leases` (handle_dhcpv6_leases() in odhcpd's
// src/ubus.c). The reply is { device: { <ifname>: { leases: [ <lease> ] } } } where a lease has
// duid (plain hex, no colons), iaid, hostname ('' when unknown), assigned, flags, valid (seconds
// left, 0xffffffff = infinite) and its addresses in one of three shapes, by odhcpd version:
//   old:     "ipv6": [ "2001:db8::10", ... ]           (with "length": 128 or a prefix length)
//   current: "ipv6-addr": [ { "address": "...", "preferred-lifetime", "valid-lifetime" } ]
//   between: the same tables with the address under an empty key
// "ipv6-prefix" entries are delegated prefixes (a downstream router's, not one host's address):
// they cannot be looked up by address, so they are counted and skipped.
import type { Counters } from '../counters';
import type { Lease } from './leases';
import { normalizeIp } from '../pipeline/cidr';
import { isArray, toJson, keysOf, floor, isRecord } from '../compat/lang';

const INFINITE = 0xffffffff;

/** `nowSec` turns odhcpd's relative `valid` into an absolute `expires`; without it none is set. */
export function parseIpv6Leases(json: unknown, counters: Counters, nowSec?: number): Lease[] {
  const out: Lease[] = [];
  const device = isRecord(json) ? json.device : undefined;
  if (!isRecord(device)) {
    counters.drop('odhcpd_bad_reply', 1, safeText(json));
    return out;
  }
  for (const ifname of keysOf(device)) {
    const iface = device[ifname];
    const leases = isRecord(iface) ? iface.leases : undefined;
    if (!isArray(leases)) {
      counters.drop('odhcpd_bad_reply', 1, safeText(iface));
      continue;
    }
    for (const l of leases) {
      if (!isRecord(l)) {
        counters.drop('odhcpd_bad_lease', 1, safeText(l));
        continue;
      }
      const base = leaseBase(l, nowSec);
      let addrs = 0;
      const add = (text: unknown): void => {
        const ip = typeof text === 'string' ? normalizeIp(text) : undefined;
        if (ip === undefined) {
          counters.drop('odhcpd_bad_address', 1, safeText(text));
          return;
        }
        addrs++;
        out.push({ ...base, ip });
      };
      const length = typeof l.length === 'number' ? l.length : 128;
      const v6 = l.ipv6;
      const v6addr = l['ipv6-addr'];
      const prefixes = l['ipv6-prefix'];
      if (isArray(v6)) {
        if (length === 128) for (const a of v6) add(a);
        else counters.inc('odhcpd_prefixes_skipped', v6.length);
      }
      if (isArray(v6addr)) {
        for (const a of v6addr) {
          if (typeof a === 'string') add(a);
          else if (isRecord(a) && typeof a['prefix-length'] === 'number' && a['prefix-length'] !== 128) {
            counters.inc('odhcpd_prefixes_skipped');
          } else add(isRecord(a) ? (a.address ?? a['']) : a);
        }
      }
      if (isArray(prefixes)) counters.inc('odhcpd_prefixes_skipped', prefixes.length);
      if (addrs === 0 && !isArray(v6) && !isArray(v6addr) && !isArray(prefixes)) {
        counters.drop('odhcpd_bad_lease', 1, safeText(l));
      }
    }
  }
  return out;
}

function leaseBase(l: Record<string, unknown>, nowSec?: number): Omit<Lease, 'ip'> {
  const base: Omit<Lease, 'ip'> = { family: 6 };
  if (typeof l.hostname === 'string' && l.hostname !== '') base.hostname = l.hostname;
  if (typeof l.duid === 'string' && l.duid !== '') base.duid = colonHex(l.duid);
  if (typeof l.iaid === 'number') base.iaid = l.iaid;
  if (typeof l.valid === 'number') {
    if (l.valid === INFINITE || l.valid === -1) base.expires = 0;
    else if (nowSec !== undefined) base.expires = floor(nowSec) + l.valid;
  }
  return base;
}

/** odhcpd prints DUIDs as bare hex; dnsmasq's lease file uses colons: use one form. */
function colonHex(hex: string): string {
  const h = hex.toLowerCase();
  return h.indexOf(':') >= 0 ? h : h.replace(/(..)(?=.)/g, '$1:');
}

function safeText(v: unknown): string {
  try {
    return toJson(v) ?? String(v);
  } catch {
    return String(v);
  }
}
