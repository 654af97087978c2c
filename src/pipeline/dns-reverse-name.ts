// The PTR owner name of an address: dnsmasq logs reverse answers by address
// (`reply 198.51.100.80 is www.shop.test`), the question was `80.100.51.198.in-addr.arpa`.
// Returns '' when the text is not an address.
import { parseIPv6 } from './cidr';

const HEX = '0123456789abcdef';

export function reverseName(addr: string): string {
  if (addr.indexOf(':') < 0) {
    const p = addr.split('.');
    return p.length !== 4 ? '' : `${p[3]}.${p[2]}.${p[1]}.${p[0]}.in-addr.arpa`;
  }
  // cidr.ts's strict reader (`::`, a dotted-quad tail); it skips a `%zone`, which no PTR name has
  const w = addr.indexOf('%') < 0 ? parseIPv6(addr) : null;
  if (w === null) return '';
  let out = '';
  // nibbles from the last: each word's 8, low first
  for (let k = 3; k >= 0; k--) for (let v = w[k], i = 0; i < 8; i++, v >>>= 4) out += HEX[v & 15] + '.';
  return out + 'ip6.arpa';
}
