// The lab's DNS traffic: each step is one dig from the client namespace and the `dns` event
// (docs/events.md) the agent must emit for it. Used by test/lab/dns.lab.test.ts (checks every
// field listed here) and by the demo (scripts/lab/traffic.ts). The zone behind it is set up in
// scripts/lab/lab.sh. Every step has its own fixed client source port, so a step and its event
// match on (client, client_port) alone, even when the same name is asked twice.
import type { DnsAnswer } from '../../src/events';

export interface DnsExpectation {
  qname: string;
  qtype: string;
  client: string;
  client_port: number;
  source?: 'forwarded' | 'cached' | 'config' | 'hosts';
  upstream?: string;
  /** absent for an incomplete transaction */
  rcode?: string;
  answers: DnsAnswer[];
  blocked: boolean;
  complete: boolean;
}

export interface DnsStep {
  label: string;
  /** What dig asks: a name (or an address with `reverse`) and a type. */
  ask: string;
  qtype: string;
  reverse?: boolean;
  from: string;
  port: number;
  tcp?: boolean;
  /** Send without waiting: the upstream never answers, dig times out. */
  background?: boolean;
  /** What dig itself should see (NOERROR, NXDOMAIN, ..., TIMEOUT). */
  digStatus: string;
  expect: DnsExpectation;
}

const CLI4 = '192.0.2.10';
const CLI4B = '192.0.2.11';
const CLI6 = '2001:db8:1::10';
const RTR4 = '192.0.2.1';
const RTR6 = '2001:db8:1::1';
const UPSTREAM = '198.51.100.53';

const A = (name: string, data: string): DnsAnswer => ({ name, type: 'A', data });
const AAAA = (name: string, data: string): DnsAnswer => ({ name, type: 'AAAA', data });
const CNAME = (name: string, data: string): DnsAnswer => ({ name, type: 'CNAME', data });

let nextPort = 40001;
function step(
  label: string,
  ask: string,
  qtype: string,
  digStatus: string,
  e: Partial<DnsExpectation> & Pick<DnsExpectation, 'answers'>,
  o: Partial<Pick<DnsStep, 'reverse' | 'from' | 'tcp' | 'background'>> = {},
): DnsStep {
  const from = o.from ?? CLI4;
  const port = nextPort++;
  const qname = e.qname ?? ask;
  return {
    label,
    ask,
    qtype,
    reverse: o.reverse,
    from,
    port,
    tcp: o.tcp,
    background: o.background,
    digStatus,
    expect: {
      qname,
      qtype,
      client: from,
      client_port: port,
      source: e.source,
      upstream: e.upstream ?? (e.source === 'forwarded' ? UPSTREAM : undefined),
      rcode: e.rcode,
      answers: e.answers,
      blocked: e.blocked ?? false,
      complete: e.complete ?? true,
    },
  };
}

const fwd = { source: 'forwarded' as const, rcode: 'NOERROR' };
const cached = { source: 'cached' as const, rcode: 'NOERROR' };

export const dnsScenario: DnsStep[] = [
  // First, so that the agent's transaction timeout runs out while the rest goes on.
  step('upstream never answers', 'foo.dead.test', 'A', 'TIMEOUT',
    { source: 'forwarded', upstream: '203.0.113.1', answers: [], complete: false },
    { background: true }),
  step('A forwarded', 'www.shop.test', 'A', 'NOERROR', { ...fwd, answers: [A('www.shop.test', '198.51.100.80')] }),
  step('AAAA forwarded', 'www.shop.test', 'AAAA', 'NOERROR', { ...fwd, answers: [AAAA('www.shop.test', '2001:db8:2::80')] }),
  step('two-step CNAME chain', 'img.shop.test', 'A', 'NOERROR', {
    ...fwd,
    answers: [CNAME('img.shop.test', 'cdn.shop.test'), CNAME('cdn.shop.test', 'www.shop.test'), A('www.shop.test', '198.51.100.80')],
  }),
  step('MX', 'shop.test', 'MX', 'NOERROR', { ...fwd, answers: [{ name: 'shop.test', type: 'MX', data: null }] }),
  step('TXT', 'shop.test', 'TXT', 'NOERROR', { ...fwd, answers: [{ name: 'shop.test', type: 'TXT', data: 'v=spf1 -all' }] }),
  step('PTR forwarded', '198.51.100.80', 'PTR', 'NOERROR', {
    ...fwd,
    qname: '80.100.51.198.in-addr.arpa',
    answers: [{ name: '80.100.51.198.in-addr.arpa', type: 'PTR', data: 'www.shop.test' }],
  }, { reverse: true }),
  step('HTTPS', 'www.shop.test', 'HTTPS', 'NOERROR', { ...fwd, answers: [{ name: 'www.shop.test', type: 'HTTPS', data: null }] }),
  step('cache hit', 'www.shop.test', 'A', 'NOERROR', { ...cached, answers: [A('www.shop.test', '198.51.100.80')] }),
  step('cached CNAME chain', 'img.shop.test', 'A', 'NOERROR', {
    ...cached,
    answers: [CNAME('img.shop.test', 'cdn.shop.test'), CNAME('cdn.shop.test', 'www.shop.test'), A('www.shop.test', '198.51.100.80')],
  }),
  step('blocked A', 'tracker.ads.test', 'A', 'NOERROR',
    { source: 'config', rcode: 'NOERROR', blocked: true, answers: [A('tracker.ads.test', '0.0.0.0')] }),
  step('blocked AAAA', 'tracker.ads.test', 'AAAA', 'NOERROR',
    { source: 'config', rcode: 'NOERROR', blocked: true, answers: [AAAA('tracker.ads.test', '::')] }),
  step('hosts file', 'router.lan', 'A', 'NOERROR', { source: 'hosts', rcode: 'NOERROR', answers: [A('router.lan', RTR4)] }),
  step('hosts file PTR', RTR4, 'PTR', 'NOERROR', {
    source: 'hosts',
    rcode: 'NOERROR',
    qname: '1.2.0.192.in-addr.arpa',
    answers: [{ name: '1.2.0.192.in-addr.arpa', type: 'PTR', data: 'router.lan' }],
  }, { reverse: true }),
  // --local=/lan/ answers NXDOMAIN as "config": by the schema's rule that is a sinkhole answer.
  step('local domain NXDOMAIN', 'nothere.lan', 'A', 'NXDOMAIN', { source: 'config', rcode: 'NXDOMAIN', blocked: true, answers: [] }),
  step('evil.test forwarded', 'x.evil.test', 'A', 'NOERROR', { ...fwd, answers: [A('x.evil.test', '198.51.100.66')] }),
  step('upstream REFUSED', 'www.example.test', 'A', 'REFUSED', { source: 'forwarded', rcode: 'REFUSED', answers: [] }),
  step('upstream NXDOMAIN', 'nosuch.shop.test', 'A', 'NXDOMAIN', { source: 'forwarded', rcode: 'NXDOMAIN', answers: [] }),
  step('second client', 'mail.shop.test', 'A', 'NOERROR', { ...fwd, answers: [A('mail.shop.test', '198.51.100.25')] }, { from: CLI4B }),
  step('NODATA', 'mail.shop.test', 'AAAA', 'NOERROR', { ...fwd, answers: [] }, { from: CLI4B }),
  step('upstream SERVFAIL', 'a.sf.test', 'A', 'SERVFAIL',
    { source: 'forwarded', upstream: '198.51.100.54', rcode: 'SERVFAIL', answers: [] }),
  step('no route to upstream', 'a.neterr.test', 'A', 'REFUSED', { source: 'config', rcode: 'REFUSED', answers: [] }),
  step('over TCP (forked child)', 'shop.test', 'A', 'NOERROR', { ...fwd, answers: [A('shop.test', '198.51.100.80')] }, { tcp: true }),
  step('IPv6 transport', 'www.shop.test', 'AAAA', 'NOERROR', { ...cached, answers: [AAAA('www.shop.test', '2001:db8:2::80')] }, { from: CLI6 }),
  step('odd characters', 'we!rd_na<me>.shop.test', 'A', 'NXDOMAIN', { source: 'forwarded', rcode: 'NXDOMAIN', answers: [] }),
];

/** The dig command line (run in the client namespace) for one step. */
export function digArgv(s: DnsStep, timeoutS = 2): string[] {
  const v6 = s.from.includes(':');
  const argv = ['dig', `@${v6 ? RTR6 : RTR4}`, '+tries=1', `+timeout=${timeoutS}`, '+nocookie'];
  if (s.tcp) argv.push('+tcp');
  argv.push('-b', `${s.from}#${s.port}`);
  if (s.reverse) argv.push('-x', s.ask);
  else argv.push(s.ask, s.qtype);
  return argv;
}
