import type { Cases } from '../support/cases';
import { deepEq, eq, seeded } from '../support/check';
import { Counters } from '../../src/counters';
import { parseLeases } from '../../src/sources/leases';

export const cases: Cases = {
  'the lab fixture: IPv4 leases, the duid line, a DHCPv6 lease': (ctx) => {
    const c = new Counters();
    const leases = parseLeases(ctx.fixture('lab-basic/dhcp.leases'), c);
    deepEq(leases, [
      { ip: '192.0.2.10', family: 4, expires: 1795476000, mac: '02:00:5e:10:00:0a', hostname: 'laptop-anna', clientId: '01:02:00:5e:10:00:0a' },
      { ip: '192.0.2.11', family: 4, expires: 1795476100, mac: '02:00:5e:10:00:0b', clientId: '01:02:00:5e:10:00:0b' },
      { ip: '192.0.2.99', family: 4, expires: 0, mac: '02:00:5e:10:00:63', hostname: 'printer-office' },
      { ip: '2001:db8:1::10', family: 6, expires: 1795476000, iaid: 2886795530, hostname: 'laptop-anna', duid: '00:01:00:01:2c:3d:4e:5f:02:00:5e:10:00:0a' },
    ]);
    deepEq(c.snapshot().dropped, {});
  },

  'temporary addresses, non-Ethernet hardware, extras and case': () => {
    const c = new Counters();
    const text = [
      '1700000000 06-aa:bb:cc:dd:ee:ff 192.0.2.20 tokenring *',
      '1700000000 01- 192.0.2.21 nohw *',
      '1700000000 AA:BB:CC:DD:EE:FF 192.0.2.22 Upper *',
      'duid 00:01:00:01:2c:3d:4e:5f:02:00:5e:10:00:01',
      '1700000000 T12 2001:DB8:1:0::abc * 00:03:00:01:02:00:5e:10:00:0c',
      'agent-info 192.0.2.20 01:02',
      'vendorclass 192.0.2.20 41:42',
      '',
    ].join('\n');
    const leases = parseLeases(text, c);
    deepEq(leases, [
      { ip: '192.0.2.20', family: 4, expires: 1700000000, hostname: 'tokenring' },
      { ip: '192.0.2.21', family: 4, expires: 1700000000, hostname: 'nohw' },
      { ip: '192.0.2.22', family: 4, expires: 1700000000, mac: 'aa:bb:cc:dd:ee:ff', hostname: 'Upper' },
      { ip: '2001:db8:1::abc', family: 6, expires: 1700000000, iaid: 12, temporary: true, duid: '00:03:00:01:02:00:5e:10:00:0c' },
    ]);
    eq(c.dropped('leases_bad_line'), 0);
  },

  'malformed lines are counted and skipped, the rest kept': () => {
    const bad = [
      '1700000000 02:00:5e:10:00:0a 192.0.2.10 host',          // 4 fields
      'soon 02:00:5e:10:00:0a 192.0.2.10 host *',                 // expiry not a number
      '1700000000 02:00:5e:10:00 192.0.2.10 host *',              // short MAC
      '1700000000 zz:00:5e:10:00:0a 192.0.2.10 host *',           // not hex
      '1700000000 02:00:5e:10:00:0a 192.0.2.300 host *',          // bad IPv4
      '1700000000 12 2001:db8:::1 host *',                        // bad IPv6
      '1700000000 x12 2001:db8::1 host *',                        // bad iaid
      '1700000000 02:00:5e:10:00:0a 192.0.2.10 host 01:0',        // bad client id
    ];
    const c = new Counters();
    const leases = parseLeases(bad.join('\n') + '\n0 02:00:5e:10:00:63 192.0.2.99 ok *\n', c);
    eq(leases.length, 1);
    eq(leases[0].hostname, 'ok');
    eq(c.dropped('leases_bad_line'), bad.length);
    eq(c.sample('leases_bad_line'), bad[0]);
  },

  'CRLF and tabs are tolerated': () => {
    const c = new Counters();
    const l = parseLeases('0\t02:00:5e:10:00:63  192.0.2.99 p *\r\n', c);
    eq(l.length, 1);
    eq(l[0].ip, '192.0.2.99');
  },

  'seeded fuzz: mangled fixture lines never throw and every line is accounted for': (ctx) => {
    const lines = ctx.fixture('lab-basic/dhcp.leases').split('\n').filter((x) => x);
    const rnd = seeded(3);
    for (let i = 0; i < 300; i++) {
      const line = lines[Math.floor(rnd() * lines.length)];
      const cut = Math.floor(rnd() * line.length);
      const mangled = line.slice(0, cut) + String.fromCharCode(32 + Math.floor(rnd() * 90)) + line.slice(cut + 1);
      const c = new Counters();
      const out = parseLeases(mangled, c);
      const skipped = mangled.trim().split(/\s+/)[0] === 'duid' ? 1 : 0;
      eq(out.length + c.dropped('leases_bad_line') + skipped, 1, mangled);
    }
  },
};
