// Throwaway measurement entry (bundled by dns-replay-shares.mjs, run under qjs): the replay path
// of `netledger replay --dnsmasq FILE` (parser -> record cursor -> time merge -> Pipeline ->
// NdjsonSink to a string sink) with stages switched off one at a time, to see their shares.
// `qjs -m harness.js FILE full|nojoin|nopdns|noioc|nonet|nosink|none`
// @ts-ignore qjs built-in module
import * as std from 'std';
import { Counters } from '../../src/counters';
import { DnsmasqLineParser } from '../../src/sources/dnsmasq/parser';
import { Pipeline } from '../../src/agent/pipeline';
import { pipelineOptions } from '../../src/agent/options';
import { defaultConfig } from '../../src/config/schema';
import { NdjsonSink } from '../../src/agent/ndjson-sink';
import { recordCursor } from '../../src/agent/record-cursor';
import { mergeByTime } from '../../src/agent/time-merge';

declare const scriptArgs: string[];
const [path, mode] = scriptArgs.slice(1);
const f = std.open(path, 'r');
const counters = new Counters();
const options = pipelineOptions(defaultConfig({ hostname: 'bench' }), { routerAddrs: [], lanPrefixes: [] });
options.join.warmupSec = 0;
let bytes = 0;
const sink = new NdjsonSink({ write: (t) => { bytes += t.length; }, counters });
const nullSink = { emit: () => {} };
const pipeline = new Pipeline({ counters, sink: mode === 'nosink' ? nullSink : sink, options });
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const p = pipeline as any;
const off = (o: unknown, m: string): void => { (o as Record<string, unknown>)[m] = () => undefined; };
if (mode === 'nojoin' || mode === 'none') off(p.join, 'learn');
if (mode === 'nopdns' || mode === 'none') p.pdns = null;
if (mode === 'noioc' || mode === 'none') off(p.ioc, 'checkDns');
if (mode === 'nonet' || mode === 'none') { off(p.net, 'sawDnsClient'); off(p.net, 'sawUpstream'); }
const parser = new DnsmasqLineParser({ counters, year: 2026 });
const reader = { next: () => f.getline() as string | null, close: () => f.close() };
mergeByTime([recordCursor(reader, counters, 'dnsmasq_lines', (l) => parser.parse(l), (r) => pipeline.dnsRecord(r))],
  (ts) => pipeline.tick(ts));
pipeline.flush();
sink.flush();
std.err.puts(`${mode}: bytes ${bytes} ${JSON.stringify(counters.snapshot().counters)}\n`);
