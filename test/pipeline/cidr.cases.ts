import type { Cases } from '../support/cases';
import { eq, ok, seeded } from '../support/check';
import { CidrSet, cidrSetOf, formatIPv6, normalizeIp, parseIPv4, parseIPv6 } from '../../src/pipeline/cidr';

export const cases: Cases = {
  'IPv6 text is normalised the way inet_ntop prints it': () => {
    const table: [string, string | undefined][] = [
      ['2001:DB8:1::10', '2001:db8:1::10'],
      ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
      ['::', '::'],
      ['::1', '::1'],
      ['1::', '1::'],
      ['::ffff:192.0.2.1', '::ffff:192.0.2.1'],
      ['::ffff:c000:201', '::ffff:192.0.2.1'],
      ['fe80::1%eth0', 'fe80::1'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
      ['192.0.2.1', '192.0.2.1'],
      // malformed
      ['1:2:3:4:5:6:7:8:9', undefined],
      [':1::', undefined],
      ['1:::2', undefined],
      ['1::2::3', undefined],
      ['12345::', undefined],
      ['1:2:3:4:5:6:7', undefined],
      ['g::1', undefined],
      ['1:', undefined],
      ['01.2.3.4', undefined],
      ['1.2.3', undefined],
      ['256.1.1.1', undefined],
      ['1.2.3.4.', undefined],
      ['', undefined],
    ];
    for (const [input, want] of table) eq(normalizeIp(input), want, input);
  },

  'canonical text is returned as the same string (no copy on the hot path)': () => {
    const s = '2001:db8:1::10';
    ok(normalizeIp(s) === s);
  },

  'IPv4 parses to a uint32': () => {
    eq(parseIPv4('0.0.0.0'), 0);
    eq(parseIPv4('255.255.255.255'), 4294967295);
    eq(parseIPv4('192.0.2.1'), 3221225985);
  },

  'seeded fuzz: format(parse(x)) is a fixed point for random addresses': () => {
    const rnd = seeded(42);
    for (let i = 0; i < 500; i++) {
      const w = [0, 0, 0, 0].map(() => (rnd() < 0.4 ? 0 : Math.floor(rnd() * 4294967296)));
      if (rnd() < 0.3) w[1] = 0;
      const text = formatIPv6(w);
      const back = parseIPv6(text);
      ok(back !== null, text);
      eq(back!.join(','), w.join(','), text);
      eq(normalizeIp(text.toUpperCase()), text);
    }
  },

  'seeded fuzz: garbage never throws': () => {
    const rnd = seeded(7);
    const alphabet = '0123456789abcdefABCDEF:.%/x ';
    for (let i = 0; i < 2000; i++) {
      let s = '';
      const n = Math.floor(rnd() * 45);
      for (let k = 0; k < n; k++) s += alphabet[Math.floor(rnd() * alphabet.length)];
      normalizeIp(s);
      new CidrSet().add(s);
    }
  },

  'CidrSet matches v4 and v6 prefixes of several lengths': () => {
    const { set, bad } = cidrSetOf(['192.0.2.0/24', '198.51.100.7', '10.0.0.0/8', '2001:db8:1::/64', '2001:db8:ff::1', 'nonsense', '1.2.3.4/33', '::/129']);
    eq(bad.join(' '), 'nonsense 1.2.3.4/33 ::/129');
    ok(set.has('192.0.2.99'));
    ok(set.has('10.255.0.1'));
    ok(set.has('198.51.100.7'));
    ok(!set.has('198.51.100.8'));
    ok(!set.has('192.0.3.1'));
    ok(set.has('2001:db8:1::10'));
    ok(set.has('2001:DB8:1:0:ffff::1'));
    ok(!set.has('2001:db8:2::10'));
    ok(set.has('2001:db8:ff::1'));
    ok(!set.has('2001:db8:ff::2'));
    ok(set.has('::ffff:192.0.2.5'), 'mapped v4 matches the v4 prefix');
    ok(!set.has('not an ip'));
    // findParsed_ agrees with has for the same addresses, parsed once by the caller
    for (const ip of ['192.0.2.99', '198.51.100.8', '2001:db8:1::10', '2001:db8:2::10', '::ffff:192.0.2.5', '::ffff:192.0.3.5', 'not an ip', '1.2.3']) {
      const v4 = ip.indexOf(':') < 0 ? parseIPv4(ip) : -1;
      eq(set.findParsed_(v4, v4 < 0 ? parseIPv6(ip) : null) !== undefined, set.has(ip), ip);
    }
  },

  'CidrSet: /0, odd prefix lengths and host bits in the prefix': () => {
    const s = new CidrSet();
    s.add('2001:db8:8000::/33');
    ok(s.has('2001:db8:ffff::1'));
    ok(!s.has('2001:db8:7fff::1'));
    s.add('192.0.2.77/26'); // host bits set: masked like the kernel does
    ok(s.has('192.0.2.64'));
    ok(!s.has('192.0.2.128'));
    const all = new CidrSet();
    all.add('0.0.0.0/0');
    ok(all.has('203.0.113.9'));
    ok(!all.has('::1'), 'a v4 /0 does not cover v6');
  },
};
