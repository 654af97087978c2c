// Who opened a flow, from its conntrack tuples and what we know of the router's own network.
// The values go in the flow's optional `dir` field:
//   'router'  — the original source is one of the router's addresses (dnsmasq forwarding
//               upstream, NTP, package downloads). Checked first.
//   'local'   — to the router itself and not redirected: the original destination is a router
//               address and the reply comes from it (LAN clients asking dnsmasq, LuCI, SSH, and
//               WAN hosts probing the router).
//   'inbound' — opened from outside the LAN prefixes towards a LAN host: a port forward (DNAT:
//               the reply source differs from the original destination) or, typically with IPv6,
//               straight to a LAN address the firewall lets through.
//   'lan'     — opened by a host in a LAN prefix towards anything that is not the router itself
//               (the internet, another LAN segment), including DNS redirected to the router by a
//               DNAT rule: the client meant to leave.
//   'transit' — none of the above: routed between two non-LAN networks (VPN, a downstream router
//               outside the configured LAN prefixes).
// Only 'lan' flows are joined to DNS answers and checked for DNS bypass.
import { CidrSet } from './cidr';
import { ipv4Value, ipv6Words } from './join-address';

export type Direction = 'lan' | 'router' | 'local' | 'inbound' | 'transit';

export interface NetModel {
  /** the router's own addresses (all interfaces, v4 and v6) */
  routerAddrs: string[];
  /** LAN prefixes, CIDR */
  lanPrefixes: string[];
}

/** The tuple fields classification needs; `reply_h` is the reply tuple's source (the real responder). */
export interface FlowTuples {
  orig_h: string;
  resp_h: string;
  reply_h?: string;
}

interface Compiled {
  router: CidrSet;
  lan: CidrSet;
  /** both: most addresses are in neither, and a first sight then parses the text once, not twice */
  any: CidrSet;
}

const compiledCache = new WeakMap<NetModel, Compiled>();
// the model of the last call, compiled
let lastNet: NetModel | undefined;
let sets: Compiled | undefined;

/** Parses the model into its sets (addressKind caches them per model object); bad entries are left out. */
export function compileNet(net: NetModel): Compiled {
  const router = new CidrSet();
  const lan = new CidrSet();
  const any = new CidrSet();
  for (const a of net.routerAddrs) if (router.add(a.trim())) any.add(a.trim());
  for (const a of net.lanPrefixes) if (lan.add(a.trim())) any.add(a.trim());
  return { router, lan, any };
}

/**
 * The direction of one flow from its addresses' text, for the tests and the stage bench: the
 * flow pipeline keeps each address's bits with the flow table's strings instead
 * (agent/flow-order.ts) and calls directionOf(); this parses every time.
 */
export function classifyFlow(flow: FlowTuples, net: NetModel): Direction {
  const reply = flow.reply_h;
  const natted = reply !== undefined && reply !== flow.resp_h;
  return directionOf(addressKind(flow.orig_h, net), addressKind(flow.resp_h, net), natted ? addressKind(reply, net) : 0, natted);
}

/** Whether an address is the router's (KIND_ROUTER) and in a LAN prefix (KIND_LAN), as bits. */
export const KIND_ROUTER = 1;
export const KIND_LAN = 2;

/**
 * The KIND_ bits of one address under `net`, for callers that keep them per address (the flow
 * table's strings): not memoised here, so the address is not held twice.
 */
export function addressKind(a: string, net: NetModel): number {
  if (net !== lastNet) {
    sets = compiledCache.get(net);
    if (sets === undefined) compiledCache.set(net, (sets = compileNet(net)));
    lastNet = net;
  }
  const c = sets!;
  // parsed once for the three sets (CidrSet.has would parse it per set), by the join's native-call
  // parsers: cidr.ts's character loops cost ~21k (IPv4) and ~53k (IPv6) instructions an address
  const v4 = a.indexOf(':') < 0 ? ipv4Value(a) : -1;
  const w = v4 < 0 ? ipv6Words(a, words) : null;
  if (c.any.findParsed_(v4, w) === undefined) return 0;
  return (c.router.findParsed_(v4, w) !== undefined ? KIND_ROUTER : 0) | (c.lan.findParsed_(v4, w) !== undefined ? KIND_LAN : 0);
}

const words = [0, 0, 0, 0];

/**
 * The direction from the KIND_ bits of the original source, original destination and reply
 * source (`natted`: the reply comes from another host than the original destination, DNAT).
 */
export function directionOf(o: number, r: number, reply: number, natted: boolean): Direction {
  if (o & KIND_ROUTER) return 'router';
  if (r & KIND_ROUTER && (!natted || reply & KIND_ROUTER)) return 'local';
  if (o & KIND_LAN) return 'lan';
  if (natted ? reply & KIND_LAN : r & KIND_LAN) return 'inbound';
  return 'transit';
}
