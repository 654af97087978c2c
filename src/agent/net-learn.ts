// What is "the LAN" and what is "the router"? Direction, the join and bypass alerts all depend
// on it. Configured values win; what is not configured is learned from the traffic itself, the
// same way live and in replay:
//  - a host that asks the router's dnsmasq is on the LAN: its /24 (IPv4) or /64 (IPv6) is a LAN
//    prefix;
//  - the address such a query was sent to is the router's: a conntrack flow from the client's
//    address and port (known in extra mode) to port 53 is that query's packet;
//  - the source of a flow to one of dnsmasq's upstream resolvers (the `forwarded ... to X`
//    lines) from outside the LAN is the router's WAN address, and so is the address a LAN
//    client's flow was masqueraded to.
// Learned sets are capped; a change produces a new model object (direction.ts's addressKind caches per object).
import type { NetModel } from '../pipeline/direction';
import { parseIPv4, parseIPv6, formatIPv4, formatIPv6, CidrSet } from '../pipeline/cidr';

const MAX_LEARNED = 64;
const MAX_QUERIES = 4096;

export interface NetLearner {
  /** The router addresses and LAN prefixes in use: a new object on each change (read per flow: a field, not a call). */
  model: NetModel;
  /** The last translated source found to be the router's. */
  routerNat_: string;
  /** A dnsmasq client: a LAN host; remember its source port to recognise the router's address. */
  sawDnsClient(client: string, port: number | undefined): void;
  /** dnsmasq forwarded a query to `upstream` (`ip` or `ip#port`). */
  sawUpstream(upstream: string): void;
  /**
   * A connection seen by conntrack (original src:sport → dst:dport; `natSrc` is the translated
   * source under masquerade, '' when none). It changes nothing unless `dport` is 53 or `natSrc`
   * is another than '' and routerNat_: a caller may skip the call otherwise (one per NEW record).
   * Only with router learning on: the caller checks (Pipeline.ctRecord).
   */
  sawFlow(src: string, sport: number, dst: string, dport: number, natSrc: string): void;
}

/**
 * `new NetLearner(base, learn)`: a constructor function returning its object (state in closure
 * locals, shorter than `this.x_` members). `var`: sawDnsClient runs per query, and qjs checks
 * let/const for their dead zone on every read.
 */
export const NetLearner = function (base: NetModel, learn: { lan: boolean; router: boolean }): NetLearner {
  var lan = new CidrSet();
  var router = new CidrSet();
  var prefixes = 0;
  var routers = 0;
  /** (client, port) of recent queries (extra mode), oldest first. */
  var queries = new RecentQueries();
  /** dnsmasq's upstream resolvers, as `forwarded` lines name them (without #port). */
  var upstreams = new Set<string>();
  /** The same, as logged (with #port): the common repeat is one lookup. */
  var upstreamsRaw = new Set<string>();
  /** Clients already checked against the LAN prefixes. */
  var seen = new Set<string>();
  for (const a of base.routerAddrs) router.add(a);
  for (const p of base.lanPrefixes) lan.add(p);

  const addRouter = (addr: string): void => {
    if (!router.has(addr) && routers < MAX_LEARNED && router.add(addr)) {
      routers++;
      self.model = { routerAddrs: [...self.model.routerAddrs, addr], lanPrefixes: self.model.lanPrefixes };
    }
  };

  var self: NetLearner = {
    model: { routerAddrs: [...base.routerAddrs], lanPrefixes: [...base.lanPrefixes] },
    routerNat_: '',

    sawDnsClient(client, port) {
      // Clients repeat: one Set lookup spares parsing the address for the prefix check (qjs).
      if (learn.lan && !seen.has(client)) {
        if (seen.size >= MAX_QUERIES) seen.clear();
        seen.add(client);
        if (!lan.has(client) && prefixes < MAX_LEARNED) {
          const prefix = prefixOf(client);
          if (prefix !== undefined && lan.add(prefix)) {
            prefixes++;
            self.model = { routerAddrs: self.model.routerAddrs, lanPrefixes: [...self.model.lanPrefixes, prefix] };
          }
        }
      }
      if (learn.router && port !== undefined) queries.add_(client, port);
    },

    sawUpstream(upstream) {
      if (!learn.router || upstreamsRaw.has(upstream) || upstreams.size >= MAX_LEARNED) return;
      upstreamsRaw.add(upstream);
      const hash = upstream.indexOf('#');
      upstreams.add(hash < 0 ? upstream : upstream.slice(0, hash));
    },

    sawFlow(src, sport, dst, dport, natSrc) {
      if (dport === 53) {
        if (queries.has_(src, sport)) addRouter(dst);
        else if (upstreams.has(dst) && !lan.has(src)) addRouter(src);
      }
      // Masquerade gives nearly every LAN flow the same translated source: once it is known to be
      // the router's, the two set lookups would change nothing.
      if (natSrc !== '' && natSrc !== src && natSrc !== self.routerNat_ && lan.has(src)) {
        addRouter(natSrc);
        if (router.has(natSrc)) self.routerNat_ = natSrc;
      }
    },
  };
  return self;
} as unknown as new (base: NetModel, learn: { lan: boolean; router: boolean }) => NetLearner;

export interface RecentQueries {
  add_(client: string, port: number): void;
  has_(client: string, port: number): boolean;
}

/**
 * The last MAX_QUERIES (client, source port) pairs seen, oldest first; a pair seen again keeps
 * its first place. Numbers in typed arrays: as a Map of 'client/port' strings, 4,096 entries held
 * ~0.65 MB of qjs heap (the string, the Map record, its hash slot) for the whole run; this holds
 * ~40 kB and each client's text once, by id, while any of its ports is remembered.
 * `new RecentQueries()`: a constructor function returning its object (state in closure locals).
 */
export const RecentQueries = function (): RecentQueries {
  /** client → id, while the ring holds one of its pairs */
  var ids = new Map<string, number>();
  var clients: string[] = [];
  var refs: number[] = [];
  var freeIds: number[] = [];
  /** the ring, oldest at head: client id << 16 | port (ids stay under MAX_QUERIES + 1); the
   *  arrays come with the first pair (a replay without conntrack learns no router: none) */
  var keys = new Int32Array(0);
  /** hash chains through the ring: ring index + 1, 0 ends a chain */
  var next = new Uint16Array(0);
  var buckets = new Uint16Array(0);
  var head = 0;
  var n = 0;

  /** The ring index holding key, or -1. */
  function find(key: number): number {
    for (var i = buckets[bucketOf(key)]; i !== 0; i = next[i - 1]) if (keys[i - 1] === key) return i - 1;
    return -1;
  }

  return {
    add_(client, port) {
      // var: qjs checks every read of a let/const local for its dead zone (once per query here)
      if ((port & 65535) !== port) return; // not a port: no flow will name it
      var id = ids.get(client);
      var key = 0;
      if (id !== undefined) {
        // find() and bucketOf(), written out: a call costs qjs ~400 instructions (once per query)
        key = (id << 16) | port;
        for (var i = buckets[(key ^ (key >>> 16) * 40503) & (MAX_QUERIES - 1)]; i !== 0; i = next[i - 1]) if (keys[i - 1] === key) return;
      } else {
        if (keys.length === 0) {
          keys = new Int32Array(MAX_QUERIES);
          next = new Uint16Array(MAX_QUERIES);
          buckets = new Uint16Array(MAX_QUERIES);
        }
        id = freeIds.pop() ?? clients.length;
        clients[id] = client;
        refs[id] = 0;
        ids.set(client, id);
      }
      refs[id]++; // before the oldest goes: it may be this client's last pair
      if (n === MAX_QUERIES) {
        // the oldest goes: unlink it from its chain (chains are ~1 long)
        i = head;
        key = keys[i];
        var b = bucketOf(key);
        var at = buckets[b];
        if (at === i + 1) buckets[b] = next[i];
        else {
          while (next[at - 1] !== i + 1) at = next[at - 1];
          next[at - 1] = next[i];
        }
        head = (i + 1) & (MAX_QUERIES - 1);
        n--;
        var old = key >>> 16;
        if (--refs[old] === 0) {
          ids.delete(clients[old]);
          clients[old] = '';
          freeIds.push(old);
        }
      }
      key = (id << 16) | port;
      i = (head + n++) & (MAX_QUERIES - 1);
      b = (key ^ (key >>> 16) * 40503) & (MAX_QUERIES - 1);
      keys[i] = key;
      next[i] = buckets[b];
      buckets[b] = i + 1;
    },

    has_(client, port) {
      var id = ids.get(client);
      return id !== undefined && (port & 65535) === port && find((id << 16) | port) >= 0;
    },
  };
} as unknown as new () => RecentQueries;

/** MAX_QUERIES is a power of two; ports vary most, the client id is spread by an odd multiplier. */
function bucketOf(key: number): number {
  return (key ^ (key >>> 16) * 40503) & (MAX_QUERIES - 1);
}

function prefixOf(ip: string): string | undefined {
  const v4 = parseIPv4(ip);
  if (v4 >= 0) return `${formatIPv4(v4 - (v4 % 256))}/24`;
  const w = parseIPv6(ip);
  if (w === null) return undefined;
  return `${formatIPv6([w[0], w[1], 0, 0])}/64`;
}
