import type { Cases } from '../support/cases';
import { deepEq, eq } from '../support/check';
import { iocPayloadFromFeeds, loadIocFeeds } from '../../src/sources/ioc-feed';
import type { Host } from '../../src/host/types';

const FEED = `# test feed
bad.example
  192.0.2.66   # a host
198.51.100.0/24
2001:db8:bad::/48

not an address/24
1.2.3.4/99
fe80::1%eth0
#only comment
`;

export const cases: Cases = {
  'feed lines become domain and ip entries, each with its file:line; comments and blanks skipped': () => {
    const p = JSON.parse(iocPayloadFromFeeds([{ path: '/etc/ioc/a.txt', text: FEED }, { path: 'b', text: 'x.test\r\n::1' }]));
    eq(p.version, 'feeds');
    eq(p.source, 'config');
    deepEq(p.domains, [
      { indicator: 'bad.example', ref: '/etc/ioc/a.txt:2' },
      { indicator: 'not an address/24', ref: '/etc/ioc/a.txt:7' },
      { indicator: 'x.test', ref: 'b:1' },
    ]);
    // the prefix length is the matcher's to judge: an address before '/' makes an ip entry
    deepEq(p.ips, [
      { indicator: '192.0.2.66', ref: '/etc/ioc/a.txt:3' },
      { indicator: '198.51.100.0/24', ref: '/etc/ioc/a.txt:4' },
      { indicator: '2001:db8:bad::/48', ref: '/etc/ioc/a.txt:5' },
      { indicator: '1.2.3.4/99', ref: '/etc/ioc/a.txt:8' },
      { indicator: 'fe80::1%eth0', ref: '/etc/ioc/a.txt:9' },
      { indicator: '::1', ref: 'b:2' },
    ]);
  },

  'loadIocFeeds loads all files as one payload, or fails naming the file it could not read': () => {
    const files: Record<string, string> = { '/a': 'a.test\n192.0.2.1', '/b': 'b.test' };
    const host = {
      readText: (path: string): string => {
        if (!(path in files)) throw new Error('No such file or directory');
        return files[path];
      },
    } as unknown as Host;
    const seen: string[] = [];
    const load = (payload: string) => {
      seen.push(payload);
      return { ok: true, domains: JSON.parse(payload).domains.length, cidrs: JSON.parse(payload).ips.length };
    };
    deepEq(loadIocFeeds(host, ['/a', '/b'], load), { ok: true, domains: 2, cidrs: 1 });
    deepEq(loadIocFeeds(host, ['/a', '/missing'], load), { ok: false, error: '/missing: No such file or directory', domains: 0, cidrs: 0 });
    eq(seen.length, 1, 'nothing loaded when a file is missing');
  },
};
