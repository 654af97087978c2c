// Reads a join-lab.sh capture: for each client TCP connection to the web server, the age of the
// newest DNS answer the router gave that client before it (answer time = the reply UPDATE of the
// client's DNS conntrack entry, microsecond timestamps). usage: tsx join-lab-analyse.ts WORKDIR
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
const lines = readFileSync(join(dir, 'conntrack-events.txt'), 'utf8').split('\n');
const phaseB = Number(readFileSync(join(dir, 'marks'), 'utf8').split(' ')[1]);
const answers: number[] = [];
const flows: number[] = [];
for (const l of lines) {
  const ts = Number(l.slice(1, l.indexOf(']')));
  // one device: the lab client asks over IPv4 and (curl prefers it) connects over IPv6
  if (l.includes('[UPDATE]') && l.includes(' dport=53 ') && (l.includes('src=192.0.2.10 dst=192.0.2.1 ') || l.includes('src=2001:db8:1::10 dst=2001:db8:1::1 '))) {
    if (!l.includes('[UNREPLIED]')) answers.push(ts);
  }
  if (l.includes('[NEW]') && l.includes(' tcp ') && (l.includes('dst=198.51.100.80 ') || l.includes('dst=2001:db8:2::80 ')) && l.includes('dport=80 ')) flows.push(ts);
}
const ages = (from: number, to: number) =>
  flows.filter((f) => f >= from && f < to).map((f) => {
    const prior = answers.filter((a) => a <= f);
    return prior.length ? f - prior[prior.length - 1] : NaN;
  });
const show = (name: string, xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  console.log(`${name}: n=${s.length} min=${(s[0] * 1000).toFixed(2)}ms median=${(q(0.5) * 1000).toFixed(2)}ms max=${(s[s.length - 1] * 1000).toFixed(2)}ms`);
};
show('A (no client cache): answer -> connection', ages(0, phaseB));
show('B (client cache): age of the answer at connection', ages(phaseB, Infinity));
console.log(`DNS answers in B: ${answers.filter((a) => a >= phaseB).length}, connections in B: ${ages(phaseB, Infinity).length}`);
