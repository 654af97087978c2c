import type { Cases } from '../support/cases';
import { deepEq, eq } from '../support/check';
import { Counters } from '../../src/counters';
import type { AlertEvent } from '../../src/events';
import { BypassDetector, type BypassDeps } from '../../src/pipeline/bypass';
import { fakeFlow } from './factories';

function detector(over: Partial<BypassDeps> = {}) {
  const alerts: AlertEvent[] = [];
  const counters = new Counters();
  const d = new BypassDetector({ counters, emit: (a) => alerts.push(a), sensor: 's1', routerAddrs: ['192.0.2.1', '2001:db8:1::1'], ...over });
  return { d, alerts, counters };
}

export const cases: Cases = {
  'DNS to another resolver is one alert per client and resolver per window': () => {
    const { d, alerts, counters } = detector({ windowSec: 600 });
    const f = fakeFlow({ proto: 'udp', resp_h: '8.8.8.8', resp_p: 53, mac: '02:00:5e:10:00:0a', hostname: 'laptop-anna', dir: 'lan' });
    d.check(f);
    d.check(fakeFlow({ ts: 1300, proto: 'udp', resp_h: '8.8.8.8', resp_p: 53 }));
    d.check(fakeFlow({ ts: 1300, proto: 'tcp', resp_h: '8.8.4.4', resp_p: 53 }));
    d.check(fakeFlow({ ts: 1300, orig_h: '192.0.2.11', proto: 'udp', resp_h: '8.8.8.8', resp_p: 53 }));
    d.check(fakeFlow({ ts: 1601, proto: 'udp', resp_h: '8.8.8.8', resp_p: 53 }));
    eq(alerts.length, 4);
    eq(counters.get('bypass_suppressed'), 1);
    deepEq(alerts[0], {
      type: 'alert', ts: 1001, sensor: 's1', kind: 'dns_bypass', client: '192.0.2.10', mac: '02:00:5e:10:00:0a',
      hostname: 'laptop-anna', indicator: '8.8.8.8#53', match: 'udp/53', event: f,
    });
    eq(Object.keys(alerts[0]).join(','), 'type,ts,sensor,kind,client,mac,hostname,indicator,match,event');
    eq(alerts.map((a) => `${a.client} ${a.indicator} ${a.ts}`).slice(1).join('|'),
      '192.0.2.10 8.8.4.4#53 1300|192.0.2.11 8.8.8.8#53 1300|192.0.2.10 8.8.8.8#53 1601');
  },

  'DNS-over-TLS on 853 and IPv6 resolvers': () => {
    const { d, alerts } = detector();
    d.check(fakeFlow({ orig_h: '2001:db8:1::10', resp_h: '2001:db8:2::53', resp_p: 853 }));
    eq(alerts[0].indicator, '2001:db8:2::53#853');
    eq(alerts[0].match, 'tcp/853');
  },

  'not a bypass: the router, redirected DNS, allowed resolvers, other ports and origins': () => {
    const { d, alerts, counters } = detector({ allowed: ['192.0.2.53'] });
    d.check(fakeFlow({ proto: 'udp', resp_h: '192.0.2.1', resp_p: 53 }));
    d.check(fakeFlow({ proto: 'udp', orig_h: '192.0.2.1', resp_h: '8.8.8.8', resp_p: 53 }));
    d.check(fakeFlow({ proto: 'udp', resp_h: '8.8.8.8', resp_p: 53 }), '192.0.2.1');
    d.check(fakeFlow({ proto: 'udp', resp_h: '192.0.2.53', resp_p: 53 }));
    d.check(fakeFlow({ proto: 'tcp', resp_h: '8.8.8.8', resp_p: 443 }));
    d.check(fakeFlow({ proto: 'icmp', resp_h: '8.8.8.8', resp_p: undefined }));
    d.check(fakeFlow({ proto: 'udp', resp_h: '8.8.8.8', resp_p: 53, dir: 'router' }));
    d.check(fakeFlow({ proto: 'udp', resp_h: '8.8.8.8', resp_p: 53, dir: 'inbound' }));
    eq(alerts.length, 0);
    eq(counters.get('bypass_redirected'), 1);
  },

  'the pair table is bounded and overflow counted': () => {
    const { d, alerts, counters } = detector({ maxPairs_: 2 });
    for (let i = 0; i < 4; i++) d.check(fakeFlow({ proto: 'udp', resp_h: `203.0.113.${i}`, resp_p: 53 }));
    eq(alerts.length, 4);
    eq(counters.dropped('bypass_pairs_full'), 2);
    d.check(fakeFlow({ proto: 'udp', resp_h: '203.0.113.0', resp_p: 53 }));
    eq(alerts.length, 5, 'a forgotten pair alerts again');
  },

  'router bits handed by the caller decide over the set (the flow stages keep them per address)': () => {
    const { d, alerts, counters } = detector({ routerAddrs: ['192.0.2.1'], windowSec: 600 });
    d.check(fakeFlow({ ts: 1000, proto: 'udp', resp_h: '198.51.100.53', resp_p: 53 }), undefined, 0);
    d.check(fakeFlow({ ts: 1010, proto: 'udp', resp_h: '198.51.100.53', resp_p: 53 }), undefined, 0);
    eq(alerts.length, 1, 'same client and resolver inside the window');
    eq(counters.get('bypass_suppressed'), 1);
    d.check(fakeFlow({ ts: 1020, proto: 'udp', orig_h: '198.51.100.1', resp_h: '198.51.100.54', resp_p: 53 }), undefined, 1);
    d.check(fakeFlow({ ts: 1020, proto: 'udp', resp_h: '198.51.100.1', resp_p: 53 }), undefined, 2);
    d.check(fakeFlow({ ts: 1020, proto: 'udp', resp_h: '198.51.100.55', resp_p: 53 }), '198.51.100.1', 4);
    eq(alerts.length, 1, 'the addresses the bits call the router\'s');
    eq(counters.get('bypass_redirected'), 1);
    d.check(fakeFlow({ ts: 1030, proto: 'udp', resp_h: '192.0.2.1', resp_p: 53 }), undefined, 0);
    eq(alerts.length, 2, 'not the set, when bits are handed');
    eq(alerts[1].indicator, '192.0.2.1#53');
  },
};
