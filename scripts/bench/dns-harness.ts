// Throwaway measurement entry (bundled by dns-measure.mjs, run under qjs): reads a dnsmasq log
// with std.open/getline and runs it through the replay's DNS path: the fast lane
// (src/pipeline/dns-fast-line.ts), else parser + TransactionAssembler.push(), and the NDJSON line
// of each finished transaction (encodeDnsLine).
// `qjs -m harness.js FILE bare|parse|asmg|asm|full`: bare only reads the lines (the floor to
// subtract), parse runs the general parser alone on every line, asmg the general parser and
// assembler on every line (the path before the fast lane), asm the replay's path (fast lane
// first) with no output, full writes the NDJSON lines as well.
// @ts-ignore qjs built-in module
import * as std from 'std';
import { Counters } from '../../src/counters';
import { DnsmasqLineParser } from '../../src/sources/dnsmasq/parser';
import { TransactionAssembler } from '../../src/pipeline/transactions';
import { DnsFastLine } from '../../src/pipeline/dns-fast-line';
import { encodeDnsLine } from '../../src/codec/ndjson';

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
  const out: string[] = [];
  const asm = new TransactionAssembler({
    counters, sensor: 'bench', emit: () => { events++; },
    emitTransaction: (t) => {
      events++;
      if (mode === 'full') {
        out.push(encodeDnsLine(t, 'bench'));
        if (out.length >= 256) {
          bytes += out.join('\n').length + 1;
          out.length = 0;
        }
      }
      return true;
    },
  });
  const fast = mode === 'asmg' ? null : new DnsFastLine(asm, parser, counters);
  let last = -Infinity;
  for (let l = f.getline(); l !== null; l = f.getline()) {
    lines++;
    if (mode === 'parse') {
      parser.parse(l);
      continue;
    }
    if (fast !== null && fast.take(l)) continue;
    const rec = parser.parse(l);
    if (rec === null) continue;
    if (rec.ts > last + 0.999) {
      last = rec.ts;
      asm.tick(rec.ts);
    }
    asm.push(rec);
  }
  asm.flush();
  if (out.length > 0) bytes += out.join('\n').length + 1;
  std.err.puts(JSON.stringify(counters.snapshot()) + '\n');
}
f.close();
std.err.puts(`lines ${lines} events ${events} ndjson_bytes ${bytes}\n`);
