// Generates the lab's traffic in a running lab (scripts/lab/lab.sh up PREFIX ...):
//   node --import tsx scripts/lab/traffic.ts PREFIX [dns] [flows]
// dns: every step of scripts/lab/scenario.ts, one dig each, from the client namespace.
// flows: a few connections through the router to the `up` servers (tcp/80, tcp/443 with an
// upload, udp/5000, IPv6 tcp/80), each to a name resolved just before, for flow<->DNS joining.
// Prints one line per step; exits 1 when a dig saw something other than what the step expects.
import { spawn } from 'node:child_process';
import { dnsScenario, digArgv, type DnsStep } from './scenario';

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

function inNs(ns: string, argv: string[], input = '', timeoutMs = 10000): Promise<Outcome> {
  return new Promise((resolve) => {
    const c = spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    c.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const t = setTimeout(() => c.kill('SIGKILL'), timeoutMs);
    c.on('error', (e) => {
      clearTimeout(t);
      resolve({ code: -1, stdout, stderr: e.message });
    });
    c.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
    c.stdin.end(input);
  });
}

function digStatus(out: Outcome): string {
  const m = /status: ([A-Z0-9]+)/.exec(out.stdout);
  return m ? m[1] : 'TIMEOUT';
}

async function runDns(cli: string): Promise<number> {
  let bad = 0;
  const pending: Promise<void>[] = [];
  const one = async (s: DnsStep): Promise<void> => {
    const out = await inNs(cli, digArgv(s));
    const got = digStatus(out);
    const mark = got === s.digStatus ? 'ok ' : 'BAD';
    if (got !== s.digStatus) bad++;
    process.stdout.write(`  ${mark} dns  ${s.label.padEnd(26)} ${s.ask} ${s.qtype} -> ${got}\n`);
  };
  for (const s of dnsScenario) {
    if (s.background) pending.push(one(s));
    else await one(s);
  }
  await Promise.all(pending);
  return bad;
}

async function runFlows(cli: string): Promise<number> {
  let bad = 0;
  const upload = 'x'.repeat(20000);
  const flows: Array<{ label: string; argv: string[]; input?: string }> = [
    { label: 'tcp/80 to www.shop.test', argv: ['nc', '-N', '-w', '2', '198.51.100.80', '80'], input: 'GET / HTTP/1.0\r\n\r\n' },
    { label: 'tcp/443 with 20 kB upload', argv: ['nc', '-N', '-w', '2', '198.51.100.80', '443'], input: upload },
    { label: 'udp/5000 one datagram', argv: ['nc', '-u', '-w', '1', '198.51.100.80', '5000'], input: 'ping\n' },
    { label: 'tcp/80 over IPv6', argv: ['nc', '-6', '-N', '-w', '2', '2001:db8:2::80', '80'], input: 'GET / HTTP/1.0\r\n\r\n' },
    { label: 'tcp/8080 refused (direct)', argv: ['nc', '-w', '2', '198.51.100.80', '8080'] },
  ];
  // The names first, so the flows have a DNS answer to be joined with.
  await inNs(cli, ['dig', '@192.0.2.1', '+short', 'www.shop.test', 'A']);
  await inNs(cli, ['dig', '@192.0.2.1', '+short', 'www.shop.test', 'AAAA']);
  for (const f of flows) {
    const out = await inNs(cli, f.argv, f.input ?? '', 10000);
    const refused = f.label.includes('refused');
    const ok = refused ? out.code !== 0 : out.code === 0;
    if (!ok) bad++;
    process.stdout.write(`  ${ok ? 'ok ' : 'BAD'} flow ${f.label} (exit ${out.code})\n`);
  }
  return bad;
}

async function main(): Promise<void> {
  const [prefix, ...kinds] = process.argv.slice(2);
  if (!prefix || !/^[a-z0-9]{1,8}$/.test(prefix)) {
    process.stderr.write('usage: traffic.ts PREFIX [dns] [flows]\n');
    process.exit(2);
  }
  const want = kinds.length ? kinds : ['dns', 'flows'];
  const cli = `${prefix}cli`;
  let bad = 0;
  for (const k of want) {
    if (k === 'dns') bad += await runDns(cli);
    else if (k === 'flows') bad += await runFlows(cli);
    else {
      process.stderr.write(`traffic: unknown kind '${k}'\n`);
      process.exit(2);
    }
  }
  if (bad) process.stderr.write(`traffic: ${bad} step(s) did not go as expected\n`);
  process.exit(bad ? 1 : 0);
}

void main();
