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
import { parseIPv4, parseIPv6, formatIPv6, CidrSet } from '../pipeline/cidr';
import { floor } from '../compat/lang';

const MAX_LEARNED = 64;
const MAX_QUERIES = 4096;

export class NetLearner {
  /** The router addresses and LAN prefixes in use: a new object on each change (read per flow: a field, not a call). */
  model: NetModel;
  private readonly lan_ = new CidrSet();
  private readonly router_ = new CidrSet();
  private learnedPrefixes_ = 0;
  private learnedRouters_ = 0;
  /** (client, port) of recent queries (extra mode), oldest first. */
  private readonly queries_ = new RecentQueries();
  /** dnsmasq's upstream resolvers, as `forwarded` lines name them (without #port). */
  private readonly upstreams_ = new Set<string>();
  /** The same, as logged (with #port): the common repeat is one lookup. */
  private readonly upstreamsRaw_ = new Set<string>();
  /** Clients already checked against the LAN prefixes. */
  private readonly seen_ = new Set<string>();

  private readonly learn_: { lan: boolean; router: boolean };

  constructor(base: NetModel, learn_: { lan: boolean; router: boolean }) {
    this.learn_ = learn_;
    this.model = { routerAddrs: [...base.routerAddrs], lanPrefixes: [...base.lanPrefixes] };
    for (const a of base.routerAddrs) this.router_.add(a);
    for (const p of base.lanPrefixes) this.lan_.add(p);
  }

  /** A dnsmasq client: a LAN host; remember its source port to recognise the router's address. */
  sawDnsClient(client: string, port: number | undefined): void {
    // Clients repeat: one Set lookup spares parsing the address for the prefix check (qjs).
    if (this.learn_.lan && !this.seen_.has(client)) {
      if (this.seen_.size >= MAX_QUERIES) this.seen_.clear();
      this.seen_.add(client);
      this.sawLanHost_(client);
    }
    if (this.learn_.router && port !== undefined) this.queries_.add_(client, port);
  }

  private sawLanHost_(client: string): void {
    if (!this.lan_.has(client) && this.learnedPrefixes_ < MAX_LEARNED) {
      const prefix = prefixOf(client);
      if (prefix !== undefined && this.lan_.add(prefix)) {
        this.learnedPrefixes_++;
        this.model = { routerAddrs: this.model.routerAddrs, lanPrefixes: [...this.model.lanPrefixes, prefix] };
      }
    }
  }

  /** dnsmasq forwarded a query to `upstream` (`ip` or `ip#port`). */
  sawUpstream(upstream: string): void {
    if (!this.learn_.router || this.upstreamsRaw_.has(upstream) || this.upstreams_.size >= MAX_LEARNED) return;
    this.upstreamsRaw_.add(upstream);
    const hash = upstream.indexOf('#');
    this.upstreams_.add(hash < 0 ? upstream : upstream.slice(0, hash));
  }

  /**
   * A connection seen by conntrack (original src:sport → dst:dport; `natSrc` is the translated
   * source under masquerade, '' when none). It changes nothing unless `dport` is 53 or `natSrc`
   * is another than '' and routerNat_: a caller may skip the call otherwise (one per NEW record).
   * Only with router learning on: the caller checks (Pipeline.ctRecord).
   */
  sawFlow(src: string, sport: number, dst: string, dport: number, natSrc: string): void {
    if (dport === 53) {
      if (this.queries_.has_(src, sport)) this.addRouter_(dst);
      else if (this.upstreams_.has(dst) && !this.lan_.has(src)) this.addRouter_(src);
    }
    // Masquerade gives nearly every LAN flow the same translated source: once it is known to be
    // the router's, the two set lookups would change nothing.
    if (natSrc !== '' && natSrc !== src && natSrc !== this.routerNat_ && this.lan_.has(src)) {
      this.addRouter_(natSrc);
      if (this.router_.has(natSrc)) this.routerNat_ = natSrc;
    }
  }

  /** The last translated source found to be the router's. */
  routerNat_ = '';

  private addRouter_(addr: string): void {
    if (this.router_.has(addr) || this.learnedRouters_ >= MAX_LEARNED) return;
    if (this.router_.add(addr)) {
      this.learnedRouters_++;
      this.model = { routerAddrs: [...this.model.routerAddrs, addr], lanPrefixes: this.model.lanPrefixes };
    }
  }
}

/**
 * The last MAX_QUERIES (client, source port) pairs seen, oldest first; a pair seen again keeps
 * its first place. Numbers in typed arrays: as a Map of 'client/port' strings, 4,096 entries held
 * ~0.65 MB of qjs heap (the string, the Map record, its hash slot) for the whole run; this holds
 * ~40 kB and each client's text once, by id, while any of its ports is remembered.
 */
export class RecentQueries {
  /** client → id, while the ring holds one of its pairs */
  private readonly ids_ = new Map<string, number>();
  private readonly clients_: string[] = [];
  private readonly refs_: number[] = [];
  private readonly freeIds_: number[] = [];
  /** the ring, oldest at head_: client id << 16 | port (ids stay under MAX_QUERIES + 1); the
   *  arrays come with the first pair (a replay without conntrack learns no router: none) */
  private key_ = new Int32Array(0);
  /** hash chains through the ring: ring index + 1, 0 ends a chain */
  private next_ = new Uint16Array(0);
  private buckets_ = new Uint16Array(0);
  private head_ = 0;
  private n_ = 0;

  add_(client: string, port: number): void {
    // var: qjs checks every read of a let/const local for its dead zone (once per query here)
    if ((port & 65535) !== port) return; // not a port: no flow will name it
    var id = this.ids_.get(client);
    var key = 0;
    if (id !== undefined) {
      // find_() and bucketOf(), written out: a call costs qjs ~400 instructions (once per query)
      key = (id << 16) | port;
      for (var i = this.buckets_[(key ^ (key >>> 16) * 40503) & (MAX_QUERIES - 1)]; i !== 0; i = this.next_[i - 1]) if (this.key_[i - 1] === key) return;
    } else {
      if (this.key_.length === 0) {
        this.key_ = new Int32Array(MAX_QUERIES);
        this.next_ = new Uint16Array(MAX_QUERIES);
        this.buckets_ = new Uint16Array(MAX_QUERIES);
      }
      id = this.freeIds_.pop() ?? this.clients_.length;
      this.clients_[id] = client;
      this.refs_[id] = 0;
      this.ids_.set(client, id);
    }
    this.refs_[id]++; // before the oldest goes: it may be this client's last pair
    if (this.n_ === MAX_QUERIES) this.dropOldest_();
    key = (id << 16) | port;
    i = (this.head_ + this.n_++) & (MAX_QUERIES - 1);
    var b = (key ^ (key >>> 16) * 40503) & (MAX_QUERIES - 1);
    this.key_[i] = key;
    this.next_[i] = this.buckets_[b];
    this.buckets_[b] = i + 1;
  }

  has_(client: string, port: number): boolean {
    var id = this.ids_.get(client);
    return id !== undefined && (port & 65535) === port && this.find_((id << 16) | port) >= 0;
  }

  /** The ring index holding key, or -1. */
  private find_(key: number): number {
    for (var i = this.buckets_[bucketOf(key)]; i !== 0; i = this.next_[i - 1]) if (this.key_[i - 1] === key) return i - 1;
    return -1;
  }

  private dropOldest_(): void {
    var i = this.head_;
    var key = this.key_[i];
    var b = bucketOf(key);
    // unlink i from its chain (chains are ~1 long)
    var at = this.buckets_[b];
    if (at === i + 1) this.buckets_[b] = this.next_[i];
    else {
      while (this.next_[at - 1] !== i + 1) at = this.next_[at - 1];
      this.next_[at - 1] = this.next_[i];
    }
    this.head_ = (i + 1) & (MAX_QUERIES - 1);
    this.n_--;
    var id = key >>> 16;
    if (--this.refs_[id] === 0) {
      this.ids_.delete(this.clients_[id]);
      this.clients_[id] = '';
      this.freeIds_.push(id);
    }
  }
}

/** MAX_QUERIES is a power of two; ports vary most, the client id is spread by an odd multiplier. */
function bucketOf(key: number): number {
  return (key ^ (key >>> 16) * 40503) & (MAX_QUERIES - 1);
}

function prefixOf(ip: string): string | undefined {
  const v4 = parseIPv4(ip);
  if (v4 >= 0) return `${floor(v4 / 16777216)}.${floor(v4 / 65536) & 255}.${floor(v4 / 256) & 255}.0/24`;
  const w = parseIPv6(ip);
  if (w === null) return undefined;
  return `${formatIPv6([w[0], w[1], 0, 0])}/64`;
}
