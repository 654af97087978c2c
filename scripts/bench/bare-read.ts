// The agent's own line reader alone, for the issue-2 split of the replay's instructions into
// reading and parse + assemble + NDJSON: the qjs host's openLines(FILE), as replay reads, with
// nothing done to the lines. Built by bench-dns.mjs into out/bench/bare-read.js.
//   qjs -m out/bench/bare-read.js FILE
import { createQuickJsHost } from '../../src/host/quickjs';

declare const scriptArgs: string[];

const reader = createQuickJsHost().openLines(scriptArgs[1]);
let n = 0;
while (reader.next() !== null) n++;
console.log(`lines ${n}`);
