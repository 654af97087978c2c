// Indicator files named in the config (`ioc.feed`): one domain, address or CIDR per line, '#'
// comments. They become the same payload as the MQTT `ioc` command, each entry referring back to
// its file:line, so an alert says exactly which line matched.
import type { Host } from '../host/types';
import type { IocLoadResult } from '../pipeline/ioc';
import { parseIPv4, parseIPv6 } from '../pipeline/cidr';
import { toJson } from '../compat/lang';

function isAddressOrCidr(s: string): boolean {
  const slash = s.indexOf('/');
  const ip = slash < 0 ? s : s.slice(0, slash);
  return parseIPv4(ip) >= 0 || (ip.indexOf(':') >= 0 && parseIPv6(ip) !== null);
}

export function iocPayloadFromFeeds(files: { path: string; text: string }[]): string {
  const domains: { indicator: string; ref: string }[] = [];
  const ips: { indicator: string; ref: string }[] = [];
  for (const f of files) {
    const lines = f.text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const hash = lines[i].indexOf('#');
      const v = (hash < 0 ? lines[i] : lines[i].slice(0, hash)).trim();
      if (v === '') continue;
      const entry = { indicator: v, ref: `${f.path}:${i + 1}` };
      (isAddressOrCidr(v) ? ips : domains).push(entry);
    }
  }
  return toJson({ version: 'feeds', source: 'config', domains, ips });
}

export function loadIocFeeds(host: Host, paths: string[], load: (payload: string) => IocLoadResult): IocLoadResult {
  const files: { path: string; text: string }[] = [];
  for (const path of paths) {
    try {
      files.push({ path, text: host.readText(path) });
    } catch (e) {
      return { ok: false, error: `${path}: ${(e as Error).message}`, domains: 0, cidrs: 0 };
    }
  }
  return load(iocPayloadFromFeeds(files));
}
