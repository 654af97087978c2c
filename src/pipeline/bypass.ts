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

export interface BypassDetector {
  /**
   * Checks one flow. `replyH` (the reply tuple's source, when the caller has it and it differs
   * from resp_h) tells a DNAT to the router from a real bypass. Flows whose `dir` says they were
   * not LAN-originated are ignored. An alert embeds the flow object itself. `routers`, when the
   * caller knows them: which addresses are the router's, as bits (1 orig_h, 2 resp_h, 4 replyH).
   */
  check(flow: FlowEvent, replyH?: string, routers?: number): void;
}

/**
 * `new BypassDetector(deps)`: a constructor function returning its object (state in closure
 * locals: shorter than `this.x_` members). `var`: check runs per DNS-looking flow, and qjs checks
 * let/const for their dead zone on every read.
 */
export const BypassDetector = function (d: BypassDeps): BypassDetector {
  var { counters, emit, sensor, windowSec = 3600, maxPairs_: max = 4096 } = d;
  var last = new Map<string, number>();
  var router: CidrSet;
  var allowed: CidrSet | undefined;
  /** made at the first check (the constructor only stores its deps) */
  var ports: Record<number, true> | undefined;
  const set = (addrs: string[]): CidrSet => {
    const c = new CidrSet(BYPASS_MEMO);
    for (const a of addrs) c.add(a);
    return c;
  };
  return {
    check(flow, replyH, routers) {
      if (ports === undefined) {
        router = set(d.routerAddrs);
        // none allowed (the default): no set, whose has() would parse every resolver for nothing
        if (d.allowed?.length) allowed = set(d.allowed);
        ports = Object.create(null) as Record<number, true>;
        for (const p of d.ports ?? [53, 853]) ports[p] = true;
      }
      var port = flow.resp_p;
      if (port === undefined || ports[port] !== true) return;
      if (flow.proto !== 'udp' && flow.proto !== 'tcp') return;
      if (flow.dir !== undefined && flow.dir !== 'lan') return;
      // (a new resolver's address costs CidrSet.has a parse, ~20k qjs instructions)
      if (routers === undefined ? router.has(flow.orig_h) || router.has(flow.resp_h) : routers & 3) return;
      if (replyH !== undefined && (routers === undefined ? router.has(replyH) : routers & 4)) return counters.inc('bypass_redirected');
      if (allowed?.has(flow.resp_h)) return;
      var resolver = `${flow.resp_h}#${port}`; // dnsmasq's notation, as in dns `upstream`
      var key = `${flow.orig_h} ${resolver}`;
      var prev = last.get(key);
      if (prev !== undefined) {
        if (flow.ts - prev < windowSec && flow.ts >= prev) return counters.inc('bypass_suppressed');
        last.delete(key); // (set() after it moves the pair to the newest end)
      }
      last.set(key, flow.ts);
      if (last.size > max) {
        for (const k of last.keys()) {
          last.delete(k);
          counters.drop('bypass_pairs_full', 1, k);
          break;
        }
      }
      var alert: AlertEvent = { type: 'alert', ts: flow.ts, sensor, kind: 'dns_bypass', client: flow.orig_h };
      if (flow.mac !== undefined) alert.mac = flow.mac;
      if (flow.hostname !== undefined) alert.hostname = flow.hostname;
      alert.indicator = resolver;
      alert.match = `${flow.proto}/${port}`;
      alert.event = flow;
      counters.inc('bypass_alerts');
      emit(alert);
    },
  };
} as unknown as new (deps: BypassDeps) => BypassDetector;
