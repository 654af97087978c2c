// Prints a short, readable summary of an NDJSON event file (the demo's last step):
//   node --import tsx scripts/lab/summary.ts EVENTS.ndjson [STATUS.json]
// dns events as a table, then counts by type / source / rcode, flows when there are any,
// alerts, and the agent's skipped lines by reason (from the last health event, or from the
// status file the agent keeps in its state_dir).
import { readFileSync, existsSync } from 'node:fs';
import type { DnsEvent, FlowEvent } from '../../src/events';

type Row = Record<string, unknown>;

function table(headers: string[], rows: string[][], maxWidth = 48): string {
  const cut = (s: string): string => (s.length > maxWidth ? s.slice(0, maxWidth - 1) + '…' : s);
  const cells = rows.map((r) => r.map(cut));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  const line = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

function answersText(e: DnsEvent): string {
  // A CNAME chain reads as `cdn.shop.test → www.shop.test → 198.51.100.80`.
  let text = '';
  let afterCname = false;
  for (const a of e.answers ?? []) {
    const v = a.data === null ? `<${a.type}>` : a.data;
    text += text === '' ? v : afterCname ? ` → ${v}` : `, ${v}`;
    afterCname = a.type === 'CNAME';
  }
  return text;
}

function counts(values: Array<string | undefined>): string {
  const m = new Map<string, number>();
  for (const v of values) m.set(v ?? '-', (m.get(v ?? '-') ?? 0) + 1);
  return [...m.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ');
}

function main(): void {
  const [file, statusFile] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: summary.ts EVENTS.ndjson [STATUS.json]\n');
    process.exit(2);
  }
  const events: Row[] = [];
  let bad = 0;
  for (const line of (existsSync(file) ? readFileSync(file, 'utf8') : '').split('\n')) {
    if (line.trim() === '') continue;
    try {
      events.push(JSON.parse(line) as Row);
    } catch {
      bad++;
    }
  }
  const out: string[] = [];
  const dns = events.filter((e) => e.type === 'dns') as unknown as DnsEvent[];
  const flows = events.filter((e) => e.type === 'flow') as unknown as FlowEvent[];
  const alerts = events.filter((e) => e.type === 'alert');
  const health = events.filter((e) => e.type === 'health');

  out.push(`${events.length} events in ${file}: ${counts(events.map((e) => String(e.type)))}` +
    (bad ? ` (${bad} lines were not JSON!)` : ''));
  if (dns.length) {
    out.push('', 'DNS transactions');
    out.push(table(
      ['client', 'qname', 'qtype', 'source', 'rcode', 'answers', 'note'],
      dns.map((e) => [
        `${e.client ?? '?'}${e.hostname ? ` (${e.hostname})` : ''}`,
        e.qname,
        e.qtype,
        e.source ?? '',
        e.rcode ?? '',
        answersText(e),
        [e.blocked ? 'blocked' : '', e.complete === false ? 'no reply' : '', e.upstream && e.upstream !== '198.51.100.53' ? `via ${e.upstream}` : '']
          .filter(Boolean).join(', '),
      ]),
    ));
    out.push('', `by source: ${counts(dns.map((e) => e.source))}`);
    out.push(`by rcode:  ${counts(dns.map((e) => (e.complete === false ? '(no reply)' : e.rcode)))}`);
    out.push(`blocked: ${dns.filter((e) => e.blocked).length}   incomplete: ${dns.filter((e) => e.complete === false).length}   ` +
      `clients: ${new Set(dns.map((e) => e.client)).size}`);
  }
  if (flows.length) {
    // DNS to and from the router is in the table above already: counted here, not listed.
    const dnsFlows = flows.filter((f) => f.resp_p === 53);
    const shown = flows.filter((f) => f.resp_p !== 53);
    out.push('', `Flows (${flows.length}; ${dnsFlows.length} of them DNS on port 53, not listed)`);
    out.push(table(
      ['proto', 'from', 'to', 'name', 'bytes out/in', 'state'],
      shown.map((f) => [
        f.proto,
        `${f.orig_h}${f.orig_p !== undefined ? ' ' + f.orig_p : ''}`,
        `${f.resp_h}${f.resp_p !== undefined ? ' ' + f.resp_p : ''}`,
        f.name ?? (f.direct ? '(direct)' : ''),
        f.orig_bytes !== undefined ? `${f.orig_bytes}/${f.resp_bytes ?? '?'}` : '',
        `${f.state ?? ''}${f.final === false ? ' (open)' : ''}`,
      ]),
    ));
  }
  const pdns = events.filter((e) => e.type === 'pdns');
  if (pdns.length) {
    out.push('', 'Passive DNS records');
    out.push(table(['rrname', 'rrtype', 'rdata', 'count'],
      pdns.map((r) => [String(r.rrname), String(r.rrtype), Array.isArray(r.rdata) ? r.rdata.join(' ') : String(r.rdata ?? ''), String(r.count ?? '')])));
  }
  if (alerts.length) {
    out.push('', 'Alerts');
    out.push(table(['kind', 'client', 'indicator', 'match'],
      alerts.map((a) => [String(a.kind), String(a.client ?? ''), String(a.indicator ?? ''), String(a.match ?? '')])));
  }
  // Skipped input, by reason: the agent's own accounting.
  let dropped: Record<string, number> | undefined;
  let from = '';
  const lastHealth = health[health.length - 1];
  if (lastHealth && typeof lastHealth.dropped === 'object' && lastHealth.dropped) {
    dropped = lastHealth.dropped as Record<string, number>;
    from = 'last health event';
  } else if (statusFile && existsSync(statusFile)) {
    try {
      const st = JSON.parse(readFileSync(statusFile, 'utf8')) as Row;
      const d = (st.dropped ?? (st.counters as Row | undefined)?.dropped) as Record<string, number> | undefined;
      if (d && typeof d === 'object') {
        dropped = d;
        from = statusFile;
      }
    } catch {
      // a status file being rewritten: no counts then
    }
  }
  out.push('');
  if (!dropped) out.push('skipped lines: (the agent reported no counters)');
  else if (Object.keys(dropped).length === 0) out.push(`skipped lines: none (${from})`);
  else out.push(`skipped lines by reason (${from}): ${Object.entries(dropped).map(([k, n]) => `${k} ${n}`).join(', ')}`);
  process.stdout.write(out.join('\n') + '\n');
}

main();
