// The router's own addresses, read from /proc: IPv4 from the LOCAL entries of
// /proc/net/fib_trie, IPv6 from /proc/net/if_inet6. Loopback is left out. When /proc cannot
// tell (a container, a test), the list is empty and the pipeline learns them from traffic.
import type { Host } from '../host/types';
import { formatIPv6 } from '../pipeline/cidr';

export function parseFibTrieLocal(text: string): string[] {
  const out = new Set<string>();
  // `|-- ADDR` then, on the next line, `/32 host LOCAL`
  for (const [, a] of text.matchAll(/\|-- ([^\n]*)\n[^\n]*\/32 host LOCAL/g)) {
    const addr = a.trim();
    if (!addr.startsWith('127.')) out.add(addr);
  }
  return [...out];
}

export function parseIfInet6(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    // 32 hex digits, then the interface's fields; a line that has not all of them is skipped
    const w = [0, 8, 16, 24].map((i) => +`0x${line.slice(i, i + 8)}`);
    if (line.length < 32 || w.some(isNaN)) continue;
    const addr = formatIPv6(w);
    if (addr !== '::1') out.push(addr);
  }
  return out;
}

export function routerAddresses(host: Pick<Host, 'readText'>): string[] {
  // no view of a family in /proc: its addresses are learned from traffic instead
  const read = (path: string, parse: (text: string) => string[]): string[] => {
    try {
      return parse(host.readText(`/proc/net/${path}`));
    } catch {
      return [];
    }
  };
  return [...read('fib_trie', parseFibTrieLocal), ...read('if_inet6', parseIfInet6)];
}
