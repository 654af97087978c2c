// The one-line summary a run prints at its end: events by kind, then every skip and drop by
// reason, so nothing is lost without a trace.
import type { Counters } from '../counters';
import { keysOf } from '../compat/lang';

export function summaryLine(what: string, counters: Counters): string {
  const { counters: c, dropped } = counters.snapshot();
  const events = keysOf(c)
    .filter((k) => k.startsWith('events_'))
    .sort()
    .map((k) => `${k.slice(7)}=${c[k]}`);
  const lines = keysOf(c)
    .filter((k) => k.endsWith('_lines'))
    .sort()
    .map((k) => `${k}=${c[k]}`);
  // Lines deliberately passed over (dnsmasq's start-up chatter, other programs) are not errors,
  // but they are still accounted for.
  const ignored = keysOf(c)
    .filter((k) => k.indexOf('ignored') >= 0)
    .sort()
    .map((k) => `${k}=${c[k]}`);
  const drops = keysOf(dropped)
    .sort()
    .map((k) => `${k}=${dropped[k]}`);
  return `${what}: events ${events.join(' ') || 'none'}; read ${lines.join(' ') || 'nothing'}; ignored ${ignored.join(' ') || 'none'}; skipped ${drops.join(' ') || 'none'}`;
}
