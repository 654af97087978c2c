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
  mac?: string;
  hostname?: string;
  duid?: string;
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

export class Devices {
  // deps_ first, and no base class: measured cheaper per line in qjs than WithDeps (compat/lang.ts)
  private readonly deps_: DevicesDeps;

  constructor(deps_: DevicesDeps) {
    this.deps_ = deps_;
  }

  private readonly byIp_ = new Map<string, Entry>();
  /** No lease known (no lease file, a replay without --leases): every lookup finds nothing. */
  none = true;
  /** DUID → MAC, confirmed by a present IPv4 lease */
  private duidMac_ = new Map<string, string>();
  /** IPv6 text → canonical text ('' when not an address): a miss re-normalised costs qjs ~10k instructions */
  private readonly canon_ = new Map<string, string>();

  /** Replaces everything `origin` ('leasefile', 'odhcpd', ...) said before with `leases`. */
  setLeases_(origin: string, leases: Lease[]): void {
    const now = this.deps_.now();
    const seen = new Set<string>();
    const max = this.deps_.maxDevices ?? 4096;
    for (const l of leases) {
      const ip = normalizeIp(l.ip);
      if (ip === undefined) {
        this.deps_.counters.drop('devices_bad_address', 1, l.ip);
        continue;
      }
      const e: Entry = { origin_: origin, expires: l.expires ?? 0, goneAt_: 0, deadline_: 0 };
      e.deadline_ = this.deadlineOf_(e);
      if (l.mac !== undefined) e.mac = l.mac.toLowerCase();
      if (l.hostname !== undefined) e.hostname = l.hostname;
      if (l.duid !== undefined) e.duid = l.duid;
      if (l.clientId !== undefined) e.clientId = l.clientId;
      if (!this.byIp_.has(ip) && this.byIp_.size >= max) {
        this.prune_(now);
        if (this.byIp_.size >= max) {
          this.deps_.counters.drop('devices_table_full', 1, ip);
          continue;
        }
      }
      this.byIp_.delete(ip); // re-insert: map order stays oldest-first for pruning
      this.byIp_.set(ip, e);
      seen.add(ip);
    }
    for (const [ip, e] of this.byIp_) {
      if (e.origin_ === origin && e.goneAt_ === 0 && !seen.has(ip)) {
        e.goneAt_ = now;
        e.deadline_ = this.deadlineOf_(e);
      }
    }
    this.prune_(now);
    this.none = this.byIp_.size === 0;
    this.rebuildDuidIndex_(now);
  }

  /** The device behind `ip` now, or undefined when no live (or recently gone) lease names it. */
  lookup(ip: string): DeviceInfo | undefined {
    const e = this.find_(ip);
    if (e === undefined) return undefined;
    const mac = this.macOf_(e);
    if (mac === undefined && e.hostname === undefined) return undefined;
    const info: DeviceInfo = {};
    if (mac !== undefined) info.mac = mac;
    if (e.hostname !== undefined) info.hostname = e.hostname;
    return info;
  }

  private find_(ip: string): Entry | undefined {
    // no leases (a router without a lease file, replay without --leases): nothing to find
    if (this.byIp_.size === 0) return undefined;
    let e = this.byIp_.get(ip);
    if (e === undefined && ip.indexOf(':') >= 0) {
      let n = this.canon_.get(ip);
      if (n === undefined) {
        n = normalizeIp(ip) ?? '';
        if (this.canon_.size >= 1024) this.canon_.clear();
        this.canon_.set(ip, n);
      }
      if (n !== '' && n !== ip) e = this.byIp_.get(n);
    }
    if (e === undefined || (e.deadline_ !== Infinity && this.deps_.now() > e.deadline_)) return undefined;
    return e;
  }

  private macOf_(e: Entry): string | undefined {
    return e.mac !== undefined || e.duid === undefined ? e.mac : this.duidMac_.get(e.duid);
  }

  /** Number of remembered addresses (live and in grace). */
  size_(): number {
    return this.byIp_.size;
  }

  private deadlineOf_(e: Entry): number {
    let end = e.expires === 0 ? Infinity : e.expires;
    if (e.goneAt_ !== 0 && e.goneAt_ < end) end = e.goneAt_;
    return end + (this.deps_.graceSec ?? 10800);
  }

  private alive_(e: Entry, now: number): boolean {
    return now <= e.deadline_;
  }

  private prune_(now: number): void {
    for (const [ip, e] of this.byIp_) if (!this.alive_(e, now)) this.byIp_.delete(ip);
  }

  private rebuildDuidIndex_(now: number): void {
    const byMac = new Map<string, true>();
    const byClientDuid = new Map<string, string>();
    for (const e of this.byIp_.values()) {
      if (e.mac === undefined || e.goneAt_ !== 0 || !this.alive_(e, now)) continue;
      byMac.set(e.mac, true);
      // RFC 4361 client id: ff + 4-byte IAID + DUID  → 'ff:' + 'xx:xx:xx:xx:' is 15 characters
      const id = e.clientId;
      if (id !== undefined && id.startsWith('ff:') && id.length > 15) byClientDuid.set(id.slice(15), e.mac);
    }
    const duidMac = new Map<string, string>();
    for (const e of this.byIp_.values()) {
      if (e.duid === undefined) continue;
      const viaClientId = byClientDuid.get(e.duid);
      if (viaClientId !== undefined) {
        duidMac.set(e.duid, viaClientId);
        continue;
      }
      const embedded = duidLinkLayer(e.duid);
      if (embedded !== undefined && byMac.has(embedded)) duidMac.set(e.duid, embedded);
    }
    this.duidMac_ = duidMac;
  }
}

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
