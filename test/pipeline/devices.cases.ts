import type { Cases } from '../support/cases';
import { deepEq, eq } from '../support/check';
import { Counters } from '../../src/counters';
import { Devices, duidLinkLayer } from '../../src/pipeline/devices';
import { parseLeases } from '../../src/sources/leases';

function labDevices(ctx: { fixture(p: string): string }, clock = { t: 1795400000 }) {
  const counters = new Counters();
  const d = new Devices({ counters, now: () => clock.t });
  d.setLeases_('leasefile', parseLeases(ctx.fixture('lab-basic/dhcp.leases'), counters));
  return { d, clock, counters };
}

export const cases: Cases = {
  'lookup by IPv4 and IPv6 (any spelling), MAC lowercase, unknown hostname absent': (ctx) => {
    const { d } = labDevices(ctx);
    deepEq(d.lookup('192.0.2.10'), { mac: '02:00:5e:10:00:0a', hostname: 'laptop-anna' });
    deepEq(d.lookup('192.0.2.11'), { mac: '02:00:5e:10:00:0b' });
    // the DHCPv6 lease's DUID-LLT embeds 02:00:5e:10:00:0a, confirmed by the v4 lease
    deepEq(d.lookup('2001:db8:1::10'), { mac: '02:00:5e:10:00:0a', hostname: 'laptop-anna' });
    deepEq(d.lookup('2001:DB8:1:0:0:0:0:10'), { mac: '02:00:5e:10:00:0a', hostname: 'laptop-anna' });
    eq(d.lookup('192.0.2.200'), undefined);
  },

  'a DUID link-layer address with no v4 lease behind it is not trusted as a MAC': () => {
    const counters = new Counters();
    const d = new Devices({ counters, now: () => 100 });
    d.setLeases_('odhcpd', [{ ip: '2001:db8:1::99', family: 6, duid: '00:03:00:01:02:00:5e:10:00:99', hostname: 'phone' }]);
    deepEq(d.lookup('2001:db8:1::99'), { hostname: 'phone' });
    eq(duidLinkLayer('00:03:00:01:02:00:5e:10:00:99'), '02:00:5e:10:00:99');
    eq(duidLinkLayer('00:01:00:01:2c:3d:4e:5f:02:00:5e:10:00:0a'), '02:00:5e:10:00:0a');
    eq(duidLinkLayer('00:02:00:00:ab:11:01:02'), undefined, 'DUID-EN has no link-layer address');
    eq(duidLinkLayer('00:03:00:06:02:00:5e:10:00:99'), undefined, 'not Ethernet');
  },

  'RFC 4361 client id links a v6 lease to the v4 lease MAC across origins': () => {
    const counters = new Counters();
    const d = new Devices({ counters, now: () => 100 });
    const duid = '00:04:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00';
    d.setLeases_('leasefile', [{ ip: '192.0.2.30', family: 4, mac: '02:00:5e:10:00:1e', clientId: 'ff:00:00:00:01:' + duid }]);
    d.setLeases_('odhcpd', [{ ip: '2001:db8:1::30', family: 6, duid }]);
    deepEq(d.lookup('2001:db8:1::30'), { mac: '02:00:5e:10:00:1e' });
  },

  'expired or vanished leases attribute for the grace period, then not; a new lease replaces at once': (ctx) => {
    const { d, clock } = labDevices(ctx);
    // 192.0.2.10 expires at 1795476000; grace is 3 h
    clock.t = 1795476000 + 10799;
    eq(d.lookup('192.0.2.10')?.hostname, 'laptop-anna');
    clock.t = 1795476000 + 10801;
    eq(d.lookup('192.0.2.10'), undefined);
    eq(d.lookup('192.0.2.99')?.hostname, 'printer-office', 'expiry 0 never expires');
    // the file is rewritten without the printer: it fades after the grace
    clock.t = 1795400000;
    d.setLeases_('leasefile', [{ ip: '192.0.2.10', family: 4, mac: '02:00:5e:10:00:ff', hostname: 'newcomer', expires: 0 }]);
    eq(d.lookup('192.0.2.10')?.hostname, 'newcomer');
    eq(d.lookup('192.0.2.99')?.hostname, 'printer-office');
    clock.t += 10801;
    eq(d.lookup('192.0.2.99'), undefined);
    eq(d.lookup('192.0.2.10')?.hostname, 'newcomer');
  },

  'the table is capped and overflow counted': () => {
    const counters = new Counters();
    const d = new Devices({ counters, now: () => 100, maxDevices: 3 });
    eq(d.none, true, 'no lease yet');
    d.setLeases_('f', [1, 2, 3, 4, 5].map((i) => ({ ip: `192.0.2.${i}`, family: 4 as const, hostname: `h${i}` })));
    eq(d.size_(), 3);
    eq(d.none, false);
    eq(counters.dropped('devices_table_full'), 2);
    d.setLeases_('g', [{ ip: 'bogus', family: 4 }]);
    eq(counters.dropped('devices_bad_address'), 1);
  },
};
