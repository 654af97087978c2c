import type { Cases } from '../support/cases';
import { deepEq, eq, ok, seeded } from '../support/check';
import { NetLearner, RecentQueries } from '../../src/agent/net-learn';

const base = { routerAddrs: [], lanPrefixes: ['192.0.2.0/24'] };

/** The memo as it was (a Map of 'client/port' strings, oldest first): what RecentQueries must equal. */
class ReferenceQueries {
  private readonly m_ = new Map<string, true>();
  add(client: string, port: number): void {
    this.m_.set(client + '/' + port, true);
    if (this.m_.size > 4096) for (const k of this.m_.keys()) { this.m_.delete(k); break; }
  }
  has(client: string, port: number): boolean {
    return this.m_.has(client + '/' + port);
  }
}

export const cases: Cases = {
  'a port-53 flow from a remembered query names its destination the router': () => {
    const n = new NetLearner(base, { lan: true, router: true });
    n.sawDnsClient('192.0.2.10', 40000);
    n.sawFlow('192.0.2.10', 40001, '192.0.2.1', 53, '');
    deepEq(n.model.routerAddrs, []);
    n.sawFlow('192.0.2.10', 40000, '192.0.2.1', 53, '');
    deepEq(n.model.routerAddrs, ['192.0.2.1']);
  },

  'without router learning no query is remembered': () => {
    const n = new NetLearner(base, { lan: true, router: false });
    n.sawDnsClient('192.0.2.10', 40000);
    n.sawFlow('192.0.2.10', 40000, '192.0.2.1', 53, '');
    deepEq(n.model.routerAddrs, []);
  },

  'the memo holds the last 4,096 pairs: the oldest goes, a repeat keeps its first place': () => {
    const q = new RecentQueries();
    q.add_('192.0.2.1', 1);
    for (let p = 2; p <= 4096; p++) q.add_('192.0.2.2', p);
    q.add_('192.0.2.1', 1); // a repeat: still the oldest
    ok(q.has_('192.0.2.1', 1));
    q.add_('192.0.2.3', 7);
    ok(!q.has_('192.0.2.1', 1), 'the oldest went');
    ok(q.has_('192.0.2.2', 2) && q.has_('192.0.2.2', 4096) && q.has_('192.0.2.3', 7));
    // the client whose last pair went is forgotten; coming back it gets an id again
    q.add_('192.0.2.1', 9);
    ok(q.has_('192.0.2.1', 9) && !q.has_('192.0.2.2', 2));
  },

  'what is not a port is neither remembered nor found': () => {
    const q = new RecentQueries();
    for (const p of [-1, 65536, 1.5, NaN]) {
      q.add_('192.0.2.1', p);
      ok(!q.has_('192.0.2.1', p), String(p));
    }
    q.add_('192.0.2.1', 0);
    q.add_('192.0.2.1', 65535);
    ok(q.has_('192.0.2.1', 0) && q.has_('192.0.2.1', 65535) && !q.has_('192.0.2.1', 65536) && !q.has_('192.0.2.10', 0));
  },

  'seeded: the memo answers as the Map of strings did (repeats, evictions, clients coming and going)': () => {
    for (const [seed, clients, ports] of [[1, 3, 40], [2, 50, 300], [3, 5000, 4], [4, 1, 65536]]) {
      const rnd = seeded(seed);
      const q = new RecentQueries();
      const ref = new ReferenceQueries();
      let hits = 0;
      for (let i = 0; i < 30000; i++) {
        const c = '2001:db8::' + Math.floor(rnd() * clients).toString(16);
        const p = Math.floor(rnd() * ports);
        if (rnd() < 0.6) {
          q.add_(c, p);
          ref.add(c, p);
        } else {
          const h = ref.has(c, p);
          if (h) hits++;
          eq(q.has_(c, p), h, `seed ${seed} op ${i} ${c}/${p}`);
        }
      }
      ok(hits > 0, `seed ${seed}: some lookups hit`);
    }
  },
};
