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

/** `nowSec` turns odhcpd's relative `valid` into an absolute `expires`; without it none is set. */
export function parseIpv6Leases(json: unknown, counters: Counters, nowSec?: number): Lease[] {
  const out: Lease[] = [];
  // odhcpd_bad_reply, odhcpd_bad_lease, odhcpd_bad_address
  const bad = (reason: string, v: unknown): void => counters.drop(`odhcpd_bad_${reason}`, 1, safeText(v));
  const skipped = (n?: number): void => counters.inc('odhcpd_prefixes_skipped', n);
  const device = isRecord(json) ? json.device : undefined;
  if (!isRecord(device)) {
    bad('reply', json);
    return out;
  }
  for (const ifname of keysOf(device)) {
    const iface = device[ifname];
    const leases = isRecord(iface) ? iface.leases : undefined;
    if (!isArray(leases)) {
      bad('reply', iface);
      continue;
    }
    for (const l of leases) {
      if (!isRecord(l)) {
        bad('lease', l);
        continue;
      }
      const base = leaseBase(l, nowSec);
      const add = (text: unknown): void => {
        const ip = typeof text === 'string' ? normalizeIp(text) : undefined;
        if (ip === undefined) bad('address', text);
        else out.push({ ...base, ip });
      };
      const { ipv6: v6, 'ipv6-addr': v6addr, 'ipv6-prefix': prefixes } = l;
      if (isArray(v6)) {
        if (typeof l.length !== 'number' || l.length === 128) v6.forEach(add);
        else skipped(v6.length);
      }
      if (isArray(v6addr)) {
        for (const a of v6addr) {
          if (!isRecord(a)) add(a);
          else if (typeof a['prefix-length'] === 'number' && a['prefix-length'] !== 128) skipped();
          else add(a.address ?? a['']);
        }
      }
      if (isArray(prefixes)) skipped(prefixes.length);
      // a lease without any of the three address lists
      if (!isArray(v6) && !isArray(v6addr) && !isArray(prefixes)) bad('lease', l);
    }
  }
  return out;
}

function leaseBase({ hostname, duid, iaid, valid }: Record<string, unknown>, nowSec?: number): Omit<Lease, 'ip'> {
  const base: Omit<Lease, 'ip'> = { family: 6 };
  if (typeof hostname === 'string' && hostname) base.hostname = hostname;
  if (typeof duid === 'string' && duid) {
    // odhcpd prints DUIDs as bare hex; dnsmasq's lease file uses colons: use one form
    const h = duid.toLowerCase();
    base.duid = h.includes(':') ? h : h.replace(/(..)(?=.)/g, '$1:');
  }
  if (typeof iaid === 'number') base.iaid = iaid;
  if (typeof valid === 'number') {
    if (valid === 0xffffffff || valid === -1) base.expires = 0; // infinite
    else if (nowSec !== undefined) base.expires = floor(nowSec) + valid;
  }
  return base;
}

function safeText(v: unknown): string {
  let t;
  try {
    t = toJson(v);
  } catch {
    // a cycle or a BigInt: String() below
  }
  return t ?? String(v);
}
