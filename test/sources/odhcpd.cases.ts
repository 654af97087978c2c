import type { Cases } from '../support/cases';
import { deepEq, eq } from '../support/check';
import { Counters } from '../../src/counters';
import { parseIpv6Leases } from '../../src/sources/odhcpd';

// Shapes follow handle_dhcpv6_leases() in odhcpd's src/ubus.c across versions.
const CURRENT = {
  device: {
    'br-lan': {
      leases: [
        {
          duid: '000100012c3d4e5f02005e10000a', iaid: 2886795530, hostname: 'laptop-anna', 'accept-reconf': false,
          assigned: 4660, flags: ['bound'],
          'ipv6-addr': [{ address: '2001:db8:1::1234', 'preferred-lifetime': 3000, 'valid-lifetime': 3600 }],
          valid: 3500,
        },
        {
          duid: '00030001020000000001', iaid: 1, hostname: '', assigned: 1, flags: ['bound'],
          'ipv6-prefix': [{ address: '2001:db8:1:100::', 'preferred-lifetime': 3000, 'valid-lifetime': 3600, 'prefix-length': 56 }],
          valid: 4294967295,
        },
      ],
    },
    'br-guest': { leases: [] },
  },
};

export const cases: Cases = {
  'current odhcpd shape: ipv6-addr tables, delegated prefixes skipped and counted': () => {
    const c = new Counters();
    const leases = parseIpv6Leases(CURRENT, c, 1700000000);
    deepEq(leases, [
      { family: 6, ip: '2001:db8:1::1234', hostname: 'laptop-anna', duid: '00:01:00:01:2c:3d:4e:5f:02:00:5e:10:00:0a', iaid: 2886795530, expires: 1700003500 },
    ]);
    eq(c.get('odhcpd_prefixes_skipped'), 1);
    deepEq(c.snapshot().dropped, {});
  },

  'old odhcpd shape: ipv6 string array with length; infinite valid': () => {
    const c = new Counters();
    const old = { device: { 'br-lan': { leases: [
      { duid: '0001', iaid: 5, hostname: 'nas', assigned: 16, length: 128, ipv6: ['2001:DB8:1::10', '2001:db8:2::10'], valid: 4294967295 },
      { duid: '0002', iaid: 6, hostname: 'rtr2', assigned: 1, length: 60, ipv6: ['2001:db8:1:10::'], valid: 100 },
    ] } } };
    const leases = parseIpv6Leases(old, c);
    deepEq(leases.map((l) => [l.ip, l.hostname, l.expires, l.duid]), [
      ['2001:db8:1::10', 'nas', 0, '00:01'],
      ['2001:db8:2::10', 'nas', 0, '00:01'],
    ]);
    eq(c.get('odhcpd_prefixes_skipped'), 1);
  },

  'in-between shape: address under an empty key': () => {
    const c = new Counters();
    const mid = { device: { lan: { leases: [{ duid: 'ab', iaid: 1, hostname: 'x', 'ipv6-addr': [{ '': '2001:db8::5', 'valid-lifetime': 10 }], valid: 10 }] } } };
    eq(parseIpv6Leases(mid, c, 100)[0].ip, '2001:db8::5');
    eq(parseIpv6Leases(mid, c, 100)[0].expires, 110);
  },

  'malformed replies are counted, never thrown': () => {
    const inputs: unknown[] = [null, 'x', 42, [], {}, { device: [] }, { device: { lan: {} } }, { device: { lan: { leases: 'no' } } },
      { device: { lan: { leases: [null, 'x', { duid: 'a' }, { 'ipv6-addr': ['not-an-ip', { address: 7 }] }] } } }];
    const c = new Counters();
    let n = 0;
    for (const i of inputs) n += parseIpv6Leases(i, c, 0).length;
    eq(n, 0);
    eq(c.dropped('odhcpd_bad_reply'), 8);
    eq(c.dropped('odhcpd_bad_lease'), 3);
    eq(c.dropped('odhcpd_bad_address'), 2);
  },

  'the reply the stand-in ubus prints parses': (ctx) => {
    const c = new Counters();
    const leases = parseIpv6Leases(JSON.parse(ctx.fixture('ubus/dhcp-ipv6leases.json')), c, 1000);
    eq(leases.length, 2);
    eq(leases[0].hostname, 'laptop-anna');
  },
};
