// The PTR owner name of an address: dnsmasq logs reverse answers by address
// (`reply 198.51.100.80 is www.shop.test`), the question was `80.100.51.198.in-addr.arpa`.
// Returns '' when the text is not an address.

const HEX = '0123456789abcdef';

export function reverseName(addr: string): string {
  if (addr.indexOf(':') < 0) {
    const p = addr.split('.');
    if (p.length !== 4) return '';
    return `${p[3]}.${p[2]}.${p[1]}.${p[0]}.in-addr.arpa`;
  }
  const groups = expandV6(addr);
  if (groups === null) return '';
  let out = '';
  for (let g = 7; g >= 0; g--) {
    const v = groups[g];
    out += `${HEX[v & 15]}.${HEX[(v >> 4) & 15]}.${HEX[(v >> 8) & 15]}.${HEX[(v >> 12) & 15]}.`;
  }
  return out + 'ip6.arpa';
}

/** Eight 16-bit groups of an IPv6 text (with `::` and an optional dotted-quad tail), or null. */
function expandV6(addr: string): number[] | null {
  let text = addr;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.indexOf('.', lastColon) > 0) {
    const q = text.slice(lastColon + 1).split('.').map(Number);
    if (q.length !== 4 || q.some((n) => !(n >= 0 && n <= 255))) return null;
    tail.push((q[0] << 8) | q[1], (q[2] << 8) | q[3]);
    const head = text.slice(0, lastColon + 1);
    text = head.endsWith('::') ? head : head.slice(0, -1);
  }
  const dbl = text.indexOf('::');
  const parse = (s: string): number[] | null => {
    if (s === '') return [];
    const out: number[] = [];
    for (const h of s.split(':')) {
      if (h.length < 1 || h.length > 4) return null;
      let v = 0;
      for (let i = 0; i < h.length; i++) {
        const d = HEX.indexOf(h[i].toLowerCase());
        if (d < 0) return null;
        v = v * 16 + d;
      }
      out.push(v);
    }
    return out;
  };
  let groups: number[] | null;
  if (dbl >= 0) {
    const head = parse(text.slice(0, dbl));
    const rest = parse(text.slice(dbl + 2));
    if (head === null || rest === null) return null;
    const fill = 8 - tail.length - head.length - rest.length;
    if (fill < 1) return null;
    groups = head.concat(new Array<number>(fill).fill(0), rest);
  } else {
    groups = parse(text);
    if (groups === null) return null;
  }
  groups = groups.concat(tail);
  return groups.length === 8 ? groups : null;
}
