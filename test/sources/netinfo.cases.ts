import type { Cases } from '../support/cases';
import { deepEq } from '../support/check';
import { parseFibTrieLocal, parseIfInet6, routerAddresses } from '../../src/sources/netinfo';

// /proc/net/fib_trie and /proc/net/if_inet6 as an OpenWrt router with a LAN, a WAN and an
// IPv6 prefix prints them (documentation addresses).
const FIB_TRIE = `Main:
  +-- 0.0.0.0/0 3 0 5
     |-- 0.0.0.0
        /0 universe UNICAST
     +-- 127.0.0.0/8 2 0 2
        +-- 127.0.0.0/31 1 0 0
           |-- 127.0.0.0
              /8 host LOCAL
           |-- 127.0.0.1
              /32 host LOCAL
        |-- 127.255.255.255
           /32 link BROADCAST
     +-- 192.0.2.0/24 2 0 2
        |-- 192.0.2.0
           /24 link UNICAST
        |-- 192.0.2.1
           /32 host LOCAL
     |-- 198.51.100.7
        /32 host LOCAL
Local:
  +-- 0.0.0.0/0 3 0 5
        |-- 192.0.2.1
           /32 host LOCAL
`;
const IF_INET6 = `00000000000000000000000000000001 01 80 10 80       lo
20010db8000100000000000000000001 05 40 00 80   br-lan
fe800000000000000211223344556677 05 40 20 80   br-lan
00000000000000000000ffffc0000201 06 40 00 80     wan
2001:db8:1::2 is no /proc line  05 40 00 80     odd
0000000000000000000000000000000g 07 40 00 80     odd
short
`;

export const cases: Cases = {
  'fib_trie: the LOCAL /32 addresses, once each, loopback left out': () => {
    deepEq(parseFibTrieLocal(FIB_TRIE), ['192.0.2.1', '198.51.100.7']);
    deepEq(parseFibTrieLocal(''), []);
  },

  'if_inet6: each address as inet_ntop prints it, ::1 and lines that are no address left out': () => {
    deepEq(parseIfInet6(IF_INET6), ['2001:db8:1::1', 'fe80::211:2233:4455:6677', '::ffff:192.0.2.1']);
  },

  'routerAddresses reads both files; a family whose file cannot be read gives none': () => {
    const files: Record<string, string> = { '/proc/net/fib_trie': FIB_TRIE, '/proc/net/if_inet6': IF_INET6 };
    const host = (have: string[]) => ({
      readText: (path: string): string => {
        if (!have.includes(path)) throw new Error(`${path}: No such file or directory`);
        return files[path];
      },
    });
    deepEq(routerAddresses(host(Object.keys(files))),
      ['192.0.2.1', '198.51.100.7', '2001:db8:1::1', 'fe80::211:2233:4455:6677', '::ffff:192.0.2.1']);
    deepEq(routerAddresses(host(['/proc/net/if_inet6'])), ['2001:db8:1::1', 'fe80::211:2233:4455:6677', '::ffff:192.0.2.1']);
    deepEq(routerAddresses(host(['/proc/net/fib_trie'])), ['192.0.2.1', '198.51.100.7']);
    deepEq(routerAddresses(host([])), []);
  },
};
