// The live capture through the real parser and transaction assembler, checked against what the
// lab scenario asked (scripts/lab/scenario.ts): the same check as the root-only lab test, on a
// fixed log, under Node and under qjs.
import type { Cases } from '../support/cases';
import type { DnsEvent } from '../../src/events';
import { Counters } from '../../src/counters';
import { DnsmasqLineParser } from '../../src/sources/dnsmasq/parser';
import { TransactionAssembler } from '../../src/pipeline/transactions';
import { dnsScenario } from '../../scripts/lab/scenario';
import { checkDnsEvents } from './dns-expect';

const LOG = 'lab-live/dnsmasq-extra.log';

function assemble(log: string): { events: DnsEvent[]; counters: Counters } {
  const counters = new Counters();
  const parser = new DnsmasqLineParser({ counters, year: 2026 });
  const events: DnsEvent[] = [];
  const asm = new TransactionAssembler({ counters, sensor: 'lab', emit: (e) => events.push(e), timeoutSec: 3 });
  for (const line of log.split('\n')) {
    const rec = parser.parse(line);
    if (rec) asm.push(rec);
  }
  asm.flush();
  return { events, counters };
}

export const cases: Cases = {
  'every scenario step comes out as one correct dns event': ({ fixture }) => {
    const log = fixture(LOG);
    const { events } = assemble(log);
    // The capture ends with the flows' two lookups from kernel-chosen ports: not scenario steps.
    const steps = events.filter((e) => (e.client_port ?? 0) >= 40001 && (e.client_port ?? 0) < 40001 + dnsScenario.length);
    const first = steps.reduce((m, e) => Math.min(m, e.ts), Infinity);
    const errs = checkDnsEvents(steps, dnsScenario, log, { from: first, to: first + 10, sensor: 'lab' });
    if (errs.length) throw new Error(`${errs.length} mismatch(es):\n${errs.join('\n')}`);
    if (events.length !== dnsScenario.length + 2) throw new Error(`expected ${dnsScenario.length + 2} events, got ${events.length}`);
  },
  'nothing in the capture is dropped as not understood': ({ fixture }) => {
    const { counters } = assemble(fixture(LOG));
    const { dropped } = counters.snapshot();
    if (Object.keys(dropped).length) throw new Error(`lines of a real capture were dropped: ${JSON.stringify(dropped)}`);
  },
};
