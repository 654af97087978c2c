#!/usr/bin/env node
// A dnsmasq log (--log-queries=extra framing) whose answers fill the DNS-to-flow join: 25,000
// forwarded A/AAAA queries, two answers each, from the clients scripts/bench/gen-conntrack.mjs
// uses (192.0.2.2-201, 2001:db8:1::2-c9), for the server addresses it connects to, so that
// (client, address) pairs are distinct: 50,000 joinable answers. The queries fall in the
// 8 minutes before gen-conntrack's first event (1795400000 = Nov 23 2026 02:13:20 UTC).
//   node scripts/bench/bench-join-dns.mjs [--answers 50000] [--seed 1] > join.log
import { seeded } from './seeded.mjs';
const args = process.argv.slice(2);
const opt = (n, d) => { const i = args.indexOf(n); return i >= 0 ? Number(args[i + 1]) : d; };
const ANSWERS = opt('--answers', 50000);
const rnd = seeded(opt('--seed', 1));
const START = 1795400000 - 480;
const TX = Math.ceil(ANSWERS / 2);
const p2 = (n) => String(n).padStart(2, '0');
const out = [];
for (let k = 0; k < TX; k++) {
  const t = new Date((START + Math.floor((k * 470) / TX)) * 1000);
  const stamp = `Nov ${t.getUTCDate()} ${p2(t.getUTCHours())}:${p2(t.getUTCMinutes())}:${p2(t.getUTCSeconds())}`;
  const c = k % 200;
  const round = Math.floor(k / 200); // 0..124: per client, addresses 2*round and 2*round+1
  const v6 = c >= 176; // 24 of 200 clients query AAAA (gen-conntrack: 12 % of flows are IPv6)
  const client = v6 ? `2001:db8:1::${(2 + c).toString(16)}` : `192.0.2.${2 + c}`;
  const qname = `svc${k}.${['example.com', 'example.net', 'cdn.example.org'][k % 3]}`;
  const addr = (j) => {
    const a = 2 * round + j; // 0..249
    if (v6) return `2001:db8:${(2 + (a % 40)).toString(16)}::${(1 + Math.floor(a / 40) * 97 + Math.floor(rnd() * 90)).toString(16)}`;
    return `${a < 125 ? '198.51.100' : '203.0.113'}.${2 + (a % 125) * 2 + j}`;
  };
  const pre = `${stamp} dnsmasq[8830]: ${k + 1} ${client}/${1024 + Math.floor(rnd() * 60000)}`;
  const qt = v6 ? 'AAAA' : 'A';
  out.push(`${pre} query[${qt}] ${qname} from ${client}`, `${pre} forwarded ${qname} to 198.51.100.53`,
    `${pre} reply ${qname} is ${addr(0)}`, `${pre} reply ${qname} is ${addr(1)}`);
}
process.stdout.write(out.join('\n') + '\n');
