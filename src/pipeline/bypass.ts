// DNS bypass: a LAN client talking DNS (53/udp, 53/tcp) or DNS-over-TLS/QUIC (853) to a resolver
// other than the router escapes the query log, the IOC checks and the DNS-to-flow join. One
// `alert` of kind `dns_bypass` per (client, resolver) per window, so a chatty client is one line.
// Not a bypass: flows whose reply comes from the router (a DNAT rule redirecting port 53 to
// dnsmasq — the query did reach the router; counted as `bypass_redirected`), and resolvers the
// operator allows (a LAN Pi-hole, say).
import type { Counters } from '../counters';
import type { AlertEvent, FlowEvent } from '../events';
import { CidrSet } from './cidr';

export interface BypassDeps {
  counters: Counters;
  emit: (a: AlertEvent) => void;
  sensor: string;
  /**
   * the router's addresses, for a check() not handed the router bits of its flow (the flow
   * stages hand them, following the learned net model)
   */
  routerAddrs: string[];
  /** resolvers that are not a bypass (addresses or CIDR) */
  allowed?: string[];
  /** seconds between two alerts for the same client and resolver; default 3600 */
  windowSec?: number;
  /** default [53, 853] */
  ports?: number[];
  /** remembered (client, resolver) pairs; default 4096, oldest forgotten first */
  maxPairs_?: number;
}

// Only DNS-looking flows are checked, against resolvers that rarely repeat within thousands of
// flows: a small memo (a 4,096-address one held ~0.4 MB for nothing).
const BYPASS_MEMO = 256;

export class BypassDetector {
  // deps_ first, and no base class: measured cheaper per line in qjs than WithDeps (compat/lang.ts)
  private readonly deps_: BypassDeps;

  constructor(deps_: BypassDeps) {
    this.deps_ = deps_;
  }

  private readonly last_ = new Map<string, number>();
  private router_: CidrSet | undefined;
  private allowed_: CidrSet | undefined;
  private ports_: Record<number, true> | undefined;

  /**
   * Checks one flow. `replyH` (the reply tuple's source, when the caller has it and it differs
   * from resp_h) tells a DNAT to the router from a real bypass. Flows whose `dir` says they were
   * not LAN-originated are ignored. An alert embeds the flow object itself. `routers`, when the
   * caller knows them: which addresses are the router's, as bits (1 orig_h, 2 resp_h, 4 replyH).
   */
  check(flow: FlowEvent, replyH?: string, routers?: number): void {
    if (this.ports_ === undefined) this.init_();
    const port = flow.resp_p;
    if (port === undefined || this.ports_![port] !== true) return;
    if (flow.proto !== 'udp' && flow.proto !== 'tcp') return;
    if (flow.dir !== undefined && flow.dir !== 'lan') return;
    const router = this.router_!;
    // (a new resolver's address costs CidrSet.has a parse, ~20k qjs instructions)
    if (routers === undefined ? router.has(flow.orig_h) || router.has(flow.resp_h) : routers & 3) return;
    if (replyH !== undefined && (routers === undefined ? router.has(replyH) : routers & 4)) {
      this.deps_.counters.inc('bypass_redirected');
      return;
    }
    if (this.allowed_ !== undefined && this.allowed_.has(flow.resp_h)) return;
    const resolver = `${flow.resp_h}#${port}`; // dnsmasq's notation, as in dns `upstream`
    const key = flow.orig_h + ' ' + resolver;
    const window = this.deps_.windowSec ?? 3600;
    const prev = this.last_.get(key);
    if (prev !== undefined) {
      if (flow.ts - prev < window && flow.ts >= prev) {
        this.deps_.counters.inc('bypass_suppressed');
        return;
      }
      this.last_.delete(key); // (set() after it moves the pair to the newest end)
    }
    this.last_.set(key, flow.ts);
    const max = this.deps_.maxPairs_ ?? 4096;
    if (this.last_.size > max) {
      for (const k of this.last_.keys()) {
        this.last_.delete(k);
        this.deps_.counters.drop('bypass_pairs_full', 1, k);
        break;
      }
    }
    const alert: AlertEvent = {
      type: 'alert',
      ts: flow.ts,
      sensor: this.deps_.sensor,
      kind: 'dns_bypass',
      client: flow.orig_h,
    };
    if (flow.mac !== undefined) alert.mac = flow.mac;
    if (flow.hostname !== undefined) alert.hostname = flow.hostname;
    alert.indicator = resolver;
    alert.match = `${flow.proto}/${port}`;
    alert.event = flow;
    this.deps_.counters.inc('bypass_alerts');
    this.deps_.emit(alert);
  }

  private init_(): void {
    const set = (addrs: string[]): CidrSet => {
      const c = new CidrSet(BYPASS_MEMO);
      for (const a of addrs) c.add(a);
      return c;
    };
    this.router_ = set(this.deps_.routerAddrs);
    // none allowed (the default): no set, whose has() would parse every resolver for nothing
    const allowed = this.deps_.allowed;
    if (allowed !== undefined && allowed.length > 0) this.allowed_ = set(allowed);
    const ports: Record<number, true> = Object.create(null);
    for (const p of this.deps_.ports ?? [53, 853]) ports[p] = true;
    this.ports_ = ports;
  }
}
