// A generated but realistic stream of `dns` events for measuring the wire format: a household
// of a dozen devices, Zipf-popular names under a few dozen zones, CNAME chains into CDNs,
// round-robin address sets that change as TTLs expire, page-load bursts, caching.
// Deterministic for a seed, so byte counts are comparable run to run.
import type { DnsAnswer, DnsEvent } from '../../src/events';
import { seeded } from '../support/check';

export interface CorpusOptions {
  /** Add client_port and id, as the agent's "extra" mode does. */
  extra?: boolean;
  sensor?: string;
}

const ZONES = [
  'google.com', 'googleapis.com', 'gstatic.com', 'youtube.com', 'ytimg.com', 'googlevideo.com',
  'apple.com', 'icloud.com', 'mzstatic.com', 'microsoft.com', 'windowsupdate.com', 'live.com',
  'office.com', 'facebook.com', 'fbcdn.net', 'instagram.com', 'whatsapp.net', 'netflix.com',
  'nflxvideo.net', 'amazon.com', 'amazonaws.com', 'cloudfront.net', 'spotify.com', 'scdn.co',
  'wikipedia.org', 'github.com', 'githubusercontent.com', 'reddit.com', 'redditmedia.com',
  'twitter.com', 'twimg.com', 'akamaiedge.net', 'akamaihd.net', 'fastly.net', 'cloudflare.com',
  'doubleclick.net', 'googlesyndication.com', 'tiktokcdn.com', 'roblox.com', 'steampowered.com',
  'ubuntu.com', 'debian.org', 'openwrt.org', 'nytimes.com', 'bbc.co.uk', 'zoom.us', 'slack.com',
  'dropbox.com', 'sentry.io', 'hotjar.com',
];
const PREFIX = [
  'www', 'api', 'cdn', 'static', 'img', 'mail', 'login', 'play', 'clients4', 'update', 'telemetry',
  'edge', 'assets', 'i', 'm', 'push', 'mtalk', 'accounts', 'gateway', 'graph', 'video', 'media',
  'ocsp', 'time', 'connectivity-check', 'safebrowsing', 'fonts', 'analytics', 'dl', 'download',
];
const CDNS = ['akamaiedge.net', 'cloudfront.net', 'fastly.net', 'edgekey.net', 'azureedge.net', 'trafficmanager.net'];

interface NameInfo {
  qname: string;
  chain: string[]; // CNAME targets, in order
  v4: string[];
  v6: string[];
}

export function dnsCorpus(seed: number, n: number, opts: CorpusOptions = {}): DnsEvent[] {
  const rnd = seeded(seed);
  const pick = <T>(a: T[]): T => a[Math.floor(rnd() * a.length)];
  const sensor = opts.sensor ?? 'rtr-home-01';

  const v4 = () => `${pick([23, 34, 52, 104, 142, 151, 157, 172, 185, 216])}.${Math.floor(rnd() * 256)}.${Math.floor(rnd() * 256)}.${1 + Math.floor(rnd() * 254)}`;
  const v6 = () => `2a00:${(0x1000 + Math.floor(rnd() * 0xefff)).toString(16)}:${Math.floor(rnd() * 0xffff).toString(16)}::${Math.floor(rnd() * 0xfff).toString(16)}`;
  const addrs = (f: () => string) => Array.from({ length: 1 + Math.floor(rnd() * rnd() * 4) }, f);

  const names: NameInfo[] = [];
  for (let i = 0; i < 450; i++) {
    const zone = pick(ZONES);
    const sub = rnd() < 0.15 ? '' : rnd() < 0.3 ? `${pick(PREFIX)}${Math.floor(rnd() * 20)}.${pick(PREFIX)}.` : `${pick(PREFIX)}.`;
    const qname = sub + zone;
    const chain: string[] = [];
    if (rnd() < 0.35) {
      chain.push(`${qname.replace(/\./g, '-').slice(0, 20)}.${pick(['edgekey.net', 'l.google.com', 'cdn.cloudflare.net'])}`);
      if (rnd() < 0.5) chain.push(`e${Math.floor(rnd() * 9999)}.${pick(['a', 'b', 'dscx', 'g'])}.${pick(CDNS)}`);
    }
    names.push({ qname, chain, v4: addrs(v4), v6: rnd() < 0.6 ? addrs(v6) : [] });
  }
  // Zipf weights (s = 1): a few names dominate, a long tail is seen once.
  const weights = names.map((_, i) => 1 / (i + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const zipf = (): NameInfo => {
    let x = rnd() * total;
    for (let i = 0; i < names.length; i++) {
      x -= weights[i];
      if (x <= 0) return names[i];
    }
    return names[names.length - 1];
  };

  const clients = Array.from({ length: 12 }, (_, i) => ({
    client: i < 10 ? `192.168.1.${100 + i * 7}` : `fd00::${(0x10 + i).toString(16)}`,
    mac: i === 11 ? undefined : `a4:83:e7:${(0x10 + i * 3).toString(16)}:${(0x20 + i * 11).toString(16)}:0${i % 10}`,
    hostname: i >= 9 ? undefined : ['iphone-anna', 'macbook-pro', 'living-room-tv', 'android-7f3a', 'ps5', 'echo-dot', 'desktop-ben', 'ipad', 'printer'][i],
  }));
  const upstreams = ['1.1.1.1', '9.9.9.9'];

  const out: DnsEvent[] = [];
  let tms = 1763855100000 + Math.floor(rnd() * 1000);
  let serial = 1000;
  const cachedUntil = new Map<string, number>();
  while (out.length < n) {
    // A burst: one device loads something and asks for several names within ~300 ms.
    tms += Math.floor(-Math.log(1 - rnd()) * 2500);
    const c = pick(clients);
    const burst = 1 + Math.floor(rnd() * rnd() * 12);
    for (let b = 0; b < burst && out.length < n; b++) {
      tms += Math.floor(rnd() * 40);
      const info = zipf();
      if (rnd() < 0.01) {
        // Names change their addresses now and then (TTL expiry at a CDN).
        info.v4 = addrs(v4);
      }
      const r = rnd();
      const qtype = r < 0.5 ? 'A' : r < 0.85 ? 'AAAA' : r < 0.97 ? 'HTTPS' : 'PTR';
      const key = info.qname + '/' + qtype;
      const cached = (cachedUntil.get(key) ?? 0) > tms;
      if (!cached) cachedUntil.set(key, tms + 60000 + Math.floor(rnd() * 240000));
      const ev = {} as DnsEvent;
      ev.type = 'dns';
      ev.ts = tms / 1000;
      ev.sensor = sensor;
      ev.client = c.client;
      if (opts.extra) ev.client_port = 1024 + Math.floor(rnd() * 64000);
      if (c.mac) ev.mac = c.mac;
      if (c.hostname) ev.hostname = c.hostname;
      ev.qname = qtype === 'PTR' ? `${Math.floor(rnd() * 255)}.1.168.192.in-addr.arpa` : info.qname;
      ev.qtype = qtype;
      ev.source = cached ? 'cached' : 'forwarded';
      if (!cached) ev.upstream = upstreams[rnd() < 0.8 ? 0 : 1];
      const answers: DnsAnswer[] = [];
      let rcode = 'NOERROR';
      if (qtype === 'PTR') {
        rcode = rnd() < 0.5 ? 'NXDOMAIN' : 'NOERROR';
        if (rcode === 'NOERROR') answers.push({ name: ev.qname, type: 'PTR', data: pick(clients).hostname ?? 'host.lan' });
      } else if (rnd() < 0.03) {
        rcode = rnd() < 0.7 ? 'NXDOMAIN' : 'SERVFAIL';
      } else {
        let name = info.qname;
        for (const t of info.chain) {
          answers.push({ name, type: 'CNAME', data: t });
          name = t;
        }
        if (qtype === 'A') for (const a of info.v4) answers.push({ name, type: 'A', data: a });
        else if (qtype === 'AAAA') for (const a of info.v6) answers.push({ name, type: 'AAAA', data: a });
        else answers.push({ name, type: 'HTTPS', data: null });
      }
      ev.rcode = rcode;
      ev.answers = answers;
      if (opts.extra) ev.id = serial++;
      out.push(ev);
    }
  }
  return out;
}
