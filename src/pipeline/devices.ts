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
import type { DnsEvent, FlowEvent } from '../events';
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
  origin: string;
  /** epoch seconds, 0 = never */
  expires: number;
  /** when the lease left its source (epoch seconds), 0 while present */
  goneAt: number;
  /** past this (epoch seconds) the entry attributes nothing: min(expiry, gone) + grace */
  deadline: number;
}

export interface DeviceInfo {
  mac?: string;
  hostname?: string;
}

export class Devices {
  private readonly byIp = new Map<string, Entry>();
  /** DUID → MAC, confirmed by a present IPv4 lease */
  private duidMac = new Map<string, string>();
  /** IPv6 text → canonical text ('' when not an address): a miss re-normalised costs qjs ~10k instructions */
  private readonly canon = new Map<string, string>();

  constructor(private readonly deps: DevicesDeps) {}

  /** Replaces everything `origin` ('leasefile', 'odhcpd', ...) said before with `leases`. */
  setLeases(origin: string, leases: Lease[]): void {
    const now = this.deps.now();
    const seen = new Set<string>();
    const max = this.deps.maxDevices ?? 4096;
    for (const l of leases) {
      const ip = normalizeIp(l.ip);
      if (ip === undefined) {
        this.deps.counters.drop('devices_bad_address', 1, l.ip);
        continue;
      }
      const e: Entry = { origin, expires: l.expires ?? 0, goneAt: 0, deadline: 0 };
      e.deadline = this.deadlineOf(e);
      if (l.mac !== undefined) e.mac = l.mac.toLowerCase();
      if (l.hostname !== undefined) e.hostname = l.hostname;
      if (l.duid !== undefined) e.duid = l.duid;
      if (l.clientId !== undefined) e.clientId = l.clientId;
      if (!this.byIp.has(ip) && this.byIp.size >= max) {
        this.prune(now);
        if (this.byIp.size >= max) {
          this.deps.counters.drop('devices_table_full', 1, ip);
          continue;
        }
      }
      this.byIp.delete(ip); // re-insert: map order stays oldest-first for pruning
      this.byIp.set(ip, e);
      seen.add(ip);
    }
    for (const [ip, e] of this.byIp) {
      if (e.origin === origin && e.goneAt === 0 && !seen.has(ip)) {
        e.goneAt = now;
        e.deadline = this.deadlineOf(e);
      }
    }
    this.prune(now);
    this.rebuildDuidIndex(now);
  }

  /** The device behind `ip` now, or undefined when no live (or recently gone) lease names it. */
  lookup(ip: string): DeviceInfo | undefined {
    const e = this.find(ip);
    if (e === undefined) return undefined;
    const mac = this.macOf(e);
    if (mac === undefined && e.hostname === undefined) return undefined;
    const info: DeviceInfo = {};
    if (mac !== undefined) info.mac = mac;
    if (e.hostname !== undefined) info.hostname = e.hostname;
    return info;
  }

  private find(ip: string): Entry | undefined {
    // no leases (a router without a lease file, replay without --leases): nothing to find
    if (this.byIp.size === 0) return undefined;
    let e = this.byIp.get(ip);
    if (e === undefined && ip.indexOf(':') >= 0) {
      let n = this.canon.get(ip);
      if (n === undefined) {
        n = normalizeIp(ip) ?? '';
        if (this.canon.size >= 1024) this.canon.clear();
        this.canon.set(ip, n);
      }
      if (n !== '' && n !== ip) e = this.byIp.get(n);
    }
    if (e === undefined || (e.deadline !== Infinity && this.deps.now() > e.deadline)) return undefined;
    return e;
  }

  private macOf(e: Entry): string | undefined {
    return e.mac !== undefined || e.duid === undefined ? e.mac : this.duidMac.get(e.duid);
  }

  /**
   * Adds `mac`/`hostname` of the LAN client (dns: `client`; flow: `orig_h`, or `resp_h` of an
   * inbound flow) in schema order. When the event already holds `mac`/`hostname` keys (even
   * undefined — parsers can pre-seat them) they are filled in place; otherwise the object is
   * rebuilt with the keys inserted before `qname` (dns) or before `name`/`direct`/`final`/...
   * (flow). Known values already on the event are never overwritten.
   * Cost under qjs (callgrind): ~7,600 instructions with pre-seated keys, ~40,000 when the
   * object is rebuilt (each property added to a fresh object changes its shape) — event builders
   * should pre-seat `mac: undefined, hostname: undefined` in schema position.
   */
  enrich<E extends DnsEvent | FlowEvent>(ev: E): E {
    // hot path (every event): no allocation unless the object must be rebuilt
    let e: Entry | undefined;
    if (ev.type === 'dns') {
      if (ev.client !== undefined) e = this.find(ev.client);
    } else {
      e = this.find(ev.orig_h);
      if (e === undefined && ev.dir === 'inbound') e = this.find(ev.resp_h);
    }
    if (e === undefined) return ev;
    const mac = ev.mac ?? this.macOf(e);
    const hostname = ev.hostname ?? e.hostname;
    if (mac === undefined && hostname === undefined) return ev;
    if ('mac' in ev && 'hostname' in ev) {
      ev.mac = mac;
      ev.hostname = hostname;
      return ev;
    }
    const before = ev.type === 'dns' ? DNS_AFTER : FLOW_AFTER;
    const out: Record<string, unknown> = {};
    let placed = false;
    const src = ev as unknown as Record<string, unknown>;
    for (const k in src) {
      if (k === 'mac' || k === 'hostname') continue;
      if (!placed && before[k] === true) {
        if (mac !== undefined) out.mac = mac;
        if (hostname !== undefined) out.hostname = hostname;
        placed = true;
      }
      out[k] = src[k];
    }
    if (!placed) {
      if (mac !== undefined) out.mac = mac;
      if (hostname !== undefined) out.hostname = hostname;
    }
    return out as unknown as E;
  }

  /** Number of remembered addresses (live and in grace). */
  size(): number {
    return this.byIp.size;
  }

  private deadlineOf(e: Entry): number {
    let end = e.expires === 0 ? Infinity : e.expires;
    if (e.goneAt !== 0 && e.goneAt < end) end = e.goneAt;
    return end + (this.deps.graceSec ?? 10800);
  }

  private alive(e: Entry, now: number): boolean {
    return now <= e.deadline;
  }

  private prune(now: number): void {
    for (const [ip, e] of this.byIp) if (!this.alive(e, now)) this.byIp.delete(ip);
  }

  private rebuildDuidIndex(now: number): void {
    const byMac = new Map<string, true>();
    const byClientDuid = new Map<string, string>();
    for (const e of this.byIp.values()) {
      if (e.mac === undefined || e.goneAt !== 0 || !this.alive(e, now)) continue;
      byMac.set(e.mac, true);
      // RFC 4361 client id: ff + 4-byte IAID + DUID  → 'ff:' + 'xx:xx:xx:xx:' is 15 characters
      const id = e.clientId;
      if (id !== undefined && id.startsWith('ff:') && id.length > 15) byClientDuid.set(id.slice(15), e.mac);
    }
    const duidMac = new Map<string, string>();
    for (const e of this.byIp.values()) {
      if (e.duid === undefined) continue;
      const viaClientId = byClientDuid.get(e.duid);
      if (viaClientId !== undefined) {
        duidMac.set(e.duid, viaClientId);
        continue;
      }
      const embedded = duidLinkLayer(e.duid);
      if (embedded !== undefined && byMac.has(embedded)) duidMac.set(e.duid, embedded);
    }
    this.duidMac = duidMac;
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

const DNS_AFTER: Record<string, true> = Object.assign(Object.create(null), {
  qname: true, qtype: true, source: true, upstream: true, rcode: true, answers: true,
  blocked: true, dnssec: true, id: true, complete: true,
});
const FLOW_AFTER: Record<string, true> = Object.assign(Object.create(null), {
  name: true, direct: true, final: true, dir: true, mark: true, zone: true,
});
