// Checks the agent's `dns` events against the lab scenario (scripts/lab/scenario.ts) and the
// router's own log. Returns every mismatch (empty when all is well) so that one run reports all
// wrong fields at once instead of the first.
import type { DnsEvent } from '../../src/events';
import type { DnsStep } from '../../scripts/lab/scenario';

/** Serial and pid of each transaction in a `--log-queries=extra` log, by "client/port". */
export function serialsByClientPort(log: string): Map<string, { serial: number; pid: number }> {
  const out = new Map<string, { serial: number; pid: number }>();
  for (const line of log.split('\n')) {
    const m = /dnsmasq\[(\d+)\]: (\d+) (\S+) query\[/.exec(line);
    if (m) out.set(m[3], { serial: Number(m[2]), pid: Number(m[1]) });
  }
  return out;
}

function show(v: unknown): string {
  return JSON.stringify(v);
}

export interface CheckWindow {
  /** Wall-clock seconds bracketing the traffic (the events' ts must fall inside, ±2 s). */
  from: number;
  to: number;
  sensor: string;
}

export function checkDnsEvents(events: DnsEvent[], steps: DnsStep[], log: string, w: CheckWindow): string[] {
  const errs: string[] = [];
  const serials = serialsByClientPort(log);
  const byKey = new Map<string, DnsEvent[]>();
  for (const ev of events) {
    const k = `${ev.client}/${ev.client_port}`;
    const list = byKey.get(k) ?? [];
    list.push(ev);
    byKey.set(k, list);
  }
  const expectedKeys = new Set(steps.map((s) => `${s.expect.client}/${s.expect.client_port}`));
  for (const k of byKey.keys()) {
    if (!expectedKeys.has(k)) errs.push(`unexpected event(s) for ${k}: ${show(byKey.get(k))}`);
  }
  for (const s of steps) {
    const x = s.expect;
    const key = `${x.client}/${x.client_port}`;
    const got = byKey.get(key) ?? [];
    const where = `step '${s.label}' (${key} ${x.qname} ${x.qtype})`;
    if (got.length !== 1) {
      errs.push(`${where}: expected exactly one dns event, got ${got.length}: ${show(got)}`);
      continue;
    }
    const ev = got[0];
    const field = (name: string, actual: unknown, expected: unknown): void => {
      if (show(actual) !== show(expected)) errs.push(`${where}: ${name} expected ${show(expected)}, got ${show(actual)}`);
    };
    field('type', ev.type, 'dns');
    field('sensor', ev.sensor, w.sensor);
    field('qname', ev.qname, x.qname);
    field('qtype', ev.qtype, x.qtype);
    field('client', ev.client, x.client);
    field('client_port', ev.client_port, x.client_port);
    field('source', ev.source, x.source);
    field('upstream', ev.upstream, x.upstream);
    field('rcode', ev.rcode, x.rcode);
    field('answers', ev.answers, x.answers);
    // Absent means "not blocked" / "complete" in the schema; both spellings are accepted.
    field('blocked', ev.blocked === true, x.blocked);
    field('complete', ev.complete !== false, x.complete);
    if (typeof ev.ts !== 'number' || ev.ts < w.from - 2 || ev.ts > w.to + 2) {
      errs.push(`${where}: ts ${show(ev.ts)} outside the traffic window ${w.from}..${w.to}`);
    }
    const logged = serials.get(key);
    if (!logged) errs.push(`${where}: the router's log has no query from ${key}`);
    else field('id (serial in the router log)', ev.id, logged.serial);
  }
  return errs;
}
