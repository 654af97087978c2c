// Indicator files named in the config (`ioc.feed`): one domain, address or CIDR per line, '#'
// comments. They become the same payload as the MQTT `ioc` command, each entry referring back to
// its file:line, so an alert says exactly which line matched.
import type { Host } from '../host/types';
import type { IocLoadResult } from '../pipeline/ioc';
import { parseIPv4, parseIPv6 } from '../pipeline/cidr';
import { toJson, errorText } from '../compat/lang';

interface Entry {
  indicator: string;
  ref: string;
}

export function iocPayloadFromFeeds(files: { path: string; text: string }[]): string {
  const domains: Entry[] = [];
  const ips: Entry[] = [];
  for (const f of files) {
    f.text.split('\n').forEach((line, i) => {
      const v = line.split('#', 1)[0].trim();
      // an address or CIDR (its address part) is an ip entry; anything else a domain
      const ip = v.split('/', 1)[0];
      if (v !== '') (parseIPv4(ip) >= 0 || (ip.includes(':') && parseIPv6(ip)) ? ips : domains).push({ indicator: v, ref: `${f.path}:${i + 1}` });
    });
  }
  return toJson({ version: 'feeds', source: 'config', domains, ips });
}

export function loadIocFeeds(host: Host, paths: string[], load: (payload: string) => IocLoadResult): IocLoadResult {
  const files: { path: string; text: string }[] = [];
  for (const path of paths) {
    try {
      files.push({ path, text: host.readText(path) });
    } catch (e) {
      return { ok: false, error: `${path}: ${errorText(e)}`, domains: 0, cidrs: 0 };
    }
  }
  return load(iocPayloadFromFeeds(files));
}
