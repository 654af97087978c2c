// Throwaway measurement entry (bundled by dns-measure.mjs, run under qjs): reads a dnsmasq log
// with std.open/getline and runs parser + transaction assembler + NDJSON encode on every line.
// `qjs -m harness.js FILE bare|parse|asm|full`: bare only reads the lines (the floor to
// subtract), parse adds the parser, asm the assembler, full the NDJSON encoding.
// @ts-ignore qjs built-in module
import * as std from 'std';
import { Counters } from '../../src/counters';
import { DnsmasqLineParser } from '../../src/sources/dnsmasq/parser';
import { TransactionAssembler } from '../../src/pipeline/transactions';
import { encodeNdjson } from '../../src/codec/ndjson';

declare const scriptArgs: string[];
const [path, mode] = scriptArgs.slice(1);
const f = std.open(path, 'r');
let lines = 0;
let bytes = 0;
let events = 0;
if (mode === 'bare') {
  for (let l = f.getline(); l !== null; l = f.getline()) lines++;
} else {
  const counters = new Counters();
  const parser = new DnsmasqLineParser({ counters, year: 2026 });
  const asm = new TransactionAssembler({
    counters, sensor: 'bench', emit: (ev) => { if (mode !== 'asm') bytes += encodeNdjson(ev).length + 1; events++; },
  });
  for (let l = f.getline(); l !== null; l = f.getline()) {
    lines++;
    const rec = parser.parse(l);
    if (rec !== null && mode !== 'parse') asm.push(rec);
  }
  asm.flush();
  std.err.puts(JSON.stringify(counters.snapshot()) + '\n');
}
f.close();
std.err.puts(`lines ${lines} events ${events} ndjson_bytes ${bytes}\n`);
