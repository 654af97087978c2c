// Who is behind a LAN address: the DHCP leases (dnsmasq's file, odhcpd over ubus) indexed by
// address, used to put `mac` and `hostname` on dns and flow events.
//
// Attribution outlives the lease a little: a lease that vanished from its source, or whose
// expiry passed, still attributes its address for `graceSec` (default 3 h). Reason: dnsmasq
// drops a lease from the file when it expires or is released, but the client's flows stay in
// conntrack (OpenWrt keeps established TCP 7440 s) and their final records arrive later; the
// address is only handed to someone else through a new lease, which replaces the old entry at
// once. Past the grace an address is unknown again (never guessed).
//
// DHCPv6 leases carry a DUID, not a MAC. A v6 lease gets a MAC only when a current IPv4 lease
// confirms it: the same DUID in an RFC 4361 client id (ff:<iaid>:<duid>), or the link-layer
// address inside a DUID-LL/LLT (RFC 8415 §11.2, §11.4) belonging to a v4 lease. The embedded
// address alone is not trusted: Windows derives its DUID from whichever NIC came first.
import type { Counters } from '../counters';
import type { Lease } from '../sources/leases';
import { normalizeIp } from './cidr';

export interface DevicesDeps {
  counters: Counters;
  /** epoch seconds */
  now: () => number;
  /** how long an address stays attributed after its lease expired or vanished; default 10800 s */
  graceSec?: number;
  /** hard cap on remembered addresses; default 4096 */
  maxDevices?: number;
}

interface Entry {
  mac_?: string;
  hostname_?: string;
  duid_?: string;
  clientId?: string;
  origin_: string;
  /** epoch seconds, 0 = never */
  expires: number;
  /** when the lease left its source (epoch seconds), 0 while present */
  goneAt_: number;
  /** past this (epoch seconds) the entry attributes nothing: min(expiry, gone) + grace */
  deadline_: number;
}

export interface DeviceInfo {
  mac?: string;
  hostname?: string;
}

export interface Devices {
  /** No lease known (no lease file, a replay without --leases): every lookup finds nothing. */
  none: boolean;
  /** Replaces everything `origin` ('leasefile', 'odhcpd', ...) said before with `leases`. */
  setLeases_(origin: string, leases: Lease[]): void;
  /** The device behind `ip` now, or undefined when no live (or recently gone) lease names it. */
  lookup(ip: string): DeviceInfo | undefined;
  /** Number of remembered addresses (live and in grace). */
  size_(): number;
}

/**
 * `new Devices(deps)`: a constructor function returning its object, whose state is closure
 * locals (short names in the bundle, where a class's members are `this.x` each time). `var`:
 * lookup runs per event, and qjs checks let/const for their dead zone on every read.
 */
export const Devices = function ({ counters, now, graceSec = 10800, maxDevices = 4096 }: DevicesDeps): Devices {
  var byIp = new Map<string, Entry>();
  /** DUID → MAC, confirmed by a present IPv4 lease */
  var duidMac = new Map<string, string>();
  /** IPv6 text → canonical text ('' when not an address): a miss re-normalised costs qjs ~10k instructions */
  var canon = new Map<string, string>();

  /** past this (epoch seconds) the entry attributes nothing: min(expiry, gone) + grace */
  const deadlineOf = (e: Entry): number => {
    let end = e.expires || Infinity;
    if (e.goneAt_ && e.goneAt_ < end) end = e.goneAt_;
    return end + graceSec;
  };

  const prune = (t: number): void => {
    for (const [ip, e] of byIp) if (t > e.deadline_) byIp.delete(ip);
  };

  const self: Devices = {
    none: true,

    setLeases_(origin, leases) {
      const t = now();
      const seen = new Set<string>();
      for (const l of leases) {
        const ip = normalizeIp(l.ip);
        if (ip === undefined) {
          counters.drop('devices_bad_address', 1, l.ip);
          continue;
        }
        const e: Entry = { mac_: l.mac?.toLowerCase(), hostname_: l.hostname, duid_: l.duid, clientId: l.clientId, origin_: origin, expires: l.expires ?? 0, goneAt_: 0, deadline_: 0 };
        e.deadline_ = deadlineOf(e);
        if (!byIp.has(ip) && byIp.size >= maxDevices) {
          prune(t);
          if (byIp.size >= maxDevices) {
            counters.drop('devices_table_full', 1, ip);
            continue;
          }
        }
        byIp.delete(ip); // re-insert: map order stays oldest-first for pruning
        byIp.set(ip, e);
        seen.add(ip);
      }
      for (const [ip, e] of byIp) {
        if (e.origin_ === origin && !e.goneAt_ && !seen.has(ip)) {
          e.goneAt_ = t;
          e.deadline_ = deadlineOf(e);
        }
      }
      prune(t);
      self.none = !byIp.size;
      // the DUID index, from the present IPv4 leases
      const byMac = new Set<string>();
      const byClientDuid = new Map<string, string>();
      for (const e of byIp.values()) {
        if (e.mac_ === undefined || e.goneAt_ || t > e.deadline_) continue;
        byMac.add(e.mac_);
        // RFC 4361 client id: ff + 4-byte IAID + DUID  → 'ff:' + 'xx:xx:xx:xx:' is 15 characters
        const id = e.clientId;
        if (id?.startsWith('ff:') && id.length > 15) byClientDuid.set(id.slice(15), e.mac_);
      }
      duidMac = new Map();
      for (const { duid_: duid } of byIp.values()) {
        if (duid === undefined) continue;
        const mac = byClientDuid.get(duid) ?? duidLinkLayer(duid);
        if (mac !== undefined && (byClientDuid.has(duid) || byMac.has(mac))) duidMac.set(duid, mac);
      }
    },

    lookup(ip) {
      // no leases (a router without a lease file, replay without --leases): nothing to find
      if (!byIp.size) return undefined;
      var e = byIp.get(ip);
      if (e === undefined && ip.indexOf(':') >= 0) {
        var n = canon.get(ip);
        if (n === undefined) {
          n = normalizeIp(ip) ?? '';
          if (canon.size >= 1024) canon.clear();
          canon.set(ip, n);
        }
        if (n !== '' && n !== ip) e = byIp.get(n);
      }
      if (e === undefined || (e.deadline_ !== Infinity && now() > e.deadline_)) return undefined;
      var mac = e.mac_ !== undefined || e.duid_ === undefined ? e.mac_ : duidMac.get(e.duid_);
      if (mac === undefined && e.hostname_ === undefined) return undefined;
      var info: DeviceInfo = {};
      if (mac !== undefined) info.mac = mac;
      if (e.hostname_ !== undefined) info.hostname = e.hostname_;
      return info;
    },

    size_: () => byIp.size,
  };
  return self;
} as unknown as new (deps: DevicesDeps) => Devices;

/** The Ethernet address inside a DUID-LLT (type 1) or DUID-LL (type 3), colon hex. */
export function duidLinkLayer(duid: string): string | undefined {
  // type(2) hwtype(2) [time(4)] lladdr — in 'xx:' steps of 3 characters
  const type = duid.slice(0, 5);
  const hw = duid.slice(6, 11);
  if (hw !== '00:01') return undefined;
  let start: number;
  if (type === '00:01') start = 24;
  else if (type === '00:03') start = 12;
  else return undefined;
  return duid.length === start + 17 ? duid.slice(start) : undefined;
}
