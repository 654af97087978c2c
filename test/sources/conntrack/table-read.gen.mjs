// 20k-line /proc/net/nf_conntrack tables for table-read.measure.ts (tcp and udp, documentation addresses).
// /proc/net/nf_conntrack lines: node gen.mjs FROM COUNT [statesShift] > file
const [from, count, shift] = process.argv.slice(2).map(Number);
const out = [];
for (let k = from; k < from + count; k++) {
  const c = `192.0.2.${2 + (k % 200)}`;
  const d = `198.51.100.${1 + (Math.floor(k / 7) % 250)}`;
  const p = 1024 + Math.floor(k / 200);
  if (k % 5 < 3) {
    const st = (k + (shift || 0)) % 11 === 0 ? 'TIME_WAIT' : 'ESTABLISHED';
    out.push(`ipv4     2 tcp      6 431999 ${st} src=${c} dst=${d} sport=${p} dport=443 packets=${k % 97} bytes=${k % 9973} src=${d} dst=203.0.113.1 sport=443 dport=${p} packets=${k % 89} bytes=${k % 7919} [ASSURED] mark=0 zone=0 delta-time=${k % 600} use=2`);
  } else {
    out.push(`ipv4     2 udp      17 170 src=${c} dst=${d} sport=${p} dport=53 packets=${k % 97} bytes=${k % 9973} src=${d} dst=203.0.113.1 sport=53 dport=${p} packets=${k % 89} bytes=${k % 7919} [ASSURED] mark=0 zone=0 delta-time=${k % 600} use=2`);
  }
}
process.stdout.write(out.join('\n') + '\n');
