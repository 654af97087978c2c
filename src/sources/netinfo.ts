// The router's own addresses, read from /proc: IPv4 from the LOCAL entries of
// /proc/net/fib_trie, IPv6 from /proc/net/if_inet6. Loopback is left out. When /proc cannot
// tell (a container, a test), the list is empty and the pipeline learns them from traffic.
import type { Host } from '../host/types';
import { formatIPv6 } from '../pipeline/cidr';

export function parseFibTrieLocal(text: string): string[] {
  const out = new Set<string>();
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    if (lines[i].indexOf('/32 host LOCAL') < 0) continue;
    const prev = lines[i - 1];
    const at = prev.indexOf('|-- ');
    if (at < 0) continue;
    const addr = prev.slice(at + 4).trim();
    if (!addr.startsWith('127.')) out.add(addr);
  }
  return [...out];
}

export function parseIfInet6(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const hex = line.slice(0, 32);
    if (hex.length !== 32) continue;
    const w: number[] = [];
    for (let i = 0; i < 4; i++) w.push(parseInt(hex.slice(i * 8, i * 8 + 8), 16) >>> 0);
    if (w.some((x) => Number.isNaN(x))) continue;
    const addr = formatIPv6(w);
    if (addr !== '::1') out.push(addr);
  }
  return out;
}

export function routerAddresses(host: Pick<Host, 'readText'>): string[] {
  const out: string[] = [];
  try {
    out.push(...parseFibTrieLocal(host.readText('/proc/net/fib_trie')));
  } catch {
    // no IPv4 view of /proc: learned from traffic instead
  }
  try {
    out.push(...parseIfInet6(host.readText('/proc/net/if_inet6')));
  } catch {
    // no IPv6
  }
  return out;
}
