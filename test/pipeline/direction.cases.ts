import type { Cases } from '../support/cases';
import { eq } from '../support/check';
import { classifyFlow, compileNet, type NetModel } from '../../src/pipeline/direction';

// The lab router (docs/lab.md): LAN 192.0.2.0/24 + 2001:db8:1::/64, WAN 198.51.100.1 / 2001:db8:2::1.
const NET: NetModel = {
  routerAddrs: ['192.0.2.1', '198.51.100.1', '2001:db8:1::1', '2001:db8:2::1', '127.0.0.1', '::1'],
  lanPrefixes: ['192.0.2.0/24', '2001:db8:1::/64'],
};

export const cases: Cases = {
  'the lab fixture flows, tuple by tuple': () => {
    const table: [string, string, string | undefined, string][] = [
      // client → internet (masqueraded: reply source is the server itself)
      ['192.0.2.10', '198.51.100.80', '198.51.100.80', 'lan'],
      ['2001:db8:1::10', '2001:db8:2::80', '2001:db8:2::80', 'lan'],
      // client → dnsmasq on the router
      ['192.0.2.10', '192.0.2.1', '192.0.2.1', 'local'],
      ['2001:db8:1::10', '2001:db8:1::1', undefined, 'local'],
      // dnsmasq → upstream
      ['198.51.100.1', '198.51.100.53', '198.51.100.53', 'router'],
      // a port forward: WAN host → router WAN address, DNAT to a LAN host
      ['203.0.113.9', '198.51.100.1', '192.0.2.10', 'inbound'],
      // IPv6 straight to a LAN host through the firewall
      ['2001:db8:2::80', '2001:db8:1::10', '2001:db8:1::10', 'inbound'],
      // a WAN host probing the router itself
      ['203.0.113.9', '198.51.100.1', '198.51.100.1', 'local'],
      // DNS hijack: client asks 8.8.8.8, a DNAT rule sends it to dnsmasq — the client meant to leave
      ['192.0.2.10', '8.8.8.8', '192.0.2.1', 'lan'],
      // routed between two non-LAN networks
      ['10.8.0.2', '203.0.113.9', '203.0.113.9', 'transit'],
    ];
    for (const [orig_h, resp_h, reply_h, want] of table) {
      eq(classifyFlow({ orig_h, resp_h, reply_h }, NET), want, `${orig_h} → ${resp_h} (${reply_h})`);
    }
  },

  'bad entries in the model are left out, not thrown': () => {
    const c = compileNet({ routerAddrs: ['192.0.2.1', 'lan0'], lanPrefixes: ['192.0.2.0/33', ' 2001:db8:1::/64 '] });
    eq([c.router.has('192.0.2.1'), c.lan.has('192.0.2.7'), c.any.has('192.0.2.7'), c.lan.has('2001:db8:1::5'), c.any.has('2001:db8:1::5')].join(), 'true,false,false,true,true');
  },
};
