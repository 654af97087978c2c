// Pipeline's `dns` output: with the NDJSON sink as the only consumer, lines are written straight
// from the transactions (no event objects); with any other consumer (pdns, indicators, another
// sink) events are built. Both must give the same lines.
import type { Cases } from '../support/cases';
import { deepEq, eq, ok } from '../support/check';
import { Counters } from '../../src/counters';
import type { NetEvent } from '../../src/events';
import { encodeNdjson } from '../../src/codec/ndjson';
import { DnsmasqLineParser } from '../../src/sources/dnsmasq/parser';
import { NdjsonSink } from '../../src/agent/ndjson-sink';
import { Pipeline } from '../../src/agent/pipeline';
import { dnsPipelineOptions } from '../support/pipeline-options';

const EXTRA = 'lab-basic/dnsmasq-extra.log';
export const FIXTURES = [EXTRA];


/** The fixture through a Pipeline; `ndjson` picks the NdjsonSink (direct path possible). */
function replay(text: string, o: { ndjson: boolean; pdns?: boolean; ioc?: string }): { lines: string[]; counters: Counters } {
  const counters = new Counters();
  const lines: string[] = [];
  const sink = o.ndjson
    ? new NdjsonSink({ counters, batchLines: 3, write: (t) => lines.push(...t.split('\n').filter((l) => l !== '')) })
    : { emit: (ev: NetEvent) => lines.push(encodeNdjson(ev)) };
  const p = new Pipeline({ counters, sink, options: dnsPipelineOptions({ pdns: o.pdns === true }) });
  if (o.ioc !== undefined) p.loadIoc_(o.ioc);
  const parser = new DnsmasqLineParser({ counters, year: 2026 });
  for (const l of text.split('\n')) {
    const r = l === '' ? null : parser.parse(l);
    if (r !== null) p.dnsRecord(r);
  }
  p.flush();
  if (sink instanceof NdjsonSink) sink.flush();
  return { lines, counters };
}

const types = (lines: string[]) => lines.map((l) => (JSON.parse(l) as NetEvent).type);

export const cases: Cases = {
  'NDJSON sink alone: the direct lines equal the event path, counted the same': ({ fixture }) => {
    const direct = replay(fixture(EXTRA), { ndjson: true });
    const events = replay(fixture(EXTRA), { ndjson: false });
    ok(direct.lines.length > 10, `${direct.lines.length} lines`);
    deepEq(direct.lines, events.lines);
    eq(direct.counters.get('events_dns'), direct.lines.length);
    eq(direct.counters.get('dns.events'), direct.lines.length);
  },
  'pdns on: pdns lines come too (learnt from the transactions), dns lines unchanged': ({ fixture }) => {
    const plain = replay(fixture(EXTRA), { ndjson: true });
    const r = replay(fixture(EXTRA), { ndjson: true, pdns: true });
    ok(types(r.lines).includes('pdns'), 'pdns lines');
    deepEq(r.lines.filter((l) => l.startsWith('{"type":"dns"')), plain.lines);
  },
  'indicators loaded: dns events reach the matcher (alerts), dns lines unchanged': ({ fixture }) => {
    const plain = replay(fixture(EXTRA), { ndjson: true });
    const r = replay(fixture(EXTRA), { ndjson: true, ioc: JSON.stringify({ version: '1', source: 'feed-x', domains: ['evil.test'] }) });
    ok(types(r.lines).includes('alert'), 'an ioc alert for x.evil.test');
    deepEq(r.lines.filter((l) => l.startsWith('{"type":"dns"')), plain.lines);
  },
};
