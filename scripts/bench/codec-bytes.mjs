// Bytes per `dns` event on the generated corpus (test/codec/corpus.ts), for several batch
// sizes and encodings: NDJSON, plain CBOR maps, CBOR with a per-batch string table, cbor-x's
// own packing, and netledger's columnar batches. Run: node --import tsx scripts/bench/codec-bytes.mjs
import { encode as cborxEncode, Encoder } from 'cbor-x';
import { dnsCorpus } from '../../test/codec/corpus.ts';
import { encodeBatch, decodeBatch } from '../../src/codec/batch.ts';
import { encode as cbor } from '../../src/codec/cbor.ts';

const N = 20000;

/** The "suggested shape": per-batch string table, events as maps of key ref -> value/ref. */
function stringTable(events) {
  const table = new Map();
  const ref = (s) => {
    let i = table.get(s);
    if (i === undefined) table.set(s, (i = table.size));
    return i;
  };
  const conv = (v) =>
    typeof v === 'string' ? ref(v)
    : Array.isArray(v) ? v.map(conv)
    : v && typeof v === 'object' ? new Map(Object.entries(v).map(([k, x]) => [ref(k), conv(x)]))
    : v;
  const evs = events.map(conv);
  return cbor([[...table.keys()], evs]);
}

const packed = new Encoder({ pack: true, useRecords: true });

for (const extra of [false, true]) {
  const events = dnsCorpus(42, N, { extra });
  const ndjson = events.reduce((a, e) => a + JSON.stringify(e).length + 1, 0);
  console.log(`\ncorpus: ${N} dns events${extra ? ' (extra mode: client_port, id)' : ''}; NDJSON ${(ndjson / N).toFixed(1)} B/event`);
  console.log('batch  cbor-maps  string-table  cbor-x-pack  netledger');
  for (const size of [50, 100, 250, 500, 1000]) {
    let maps = 0, st = 0, cx = 0, nl = 0, seq = 0;
    for (let i = 0; i < N; i += size) {
      const chunk = events.slice(i, i + size);
      maps += cbor(chunk).length;
      st += stringTable(chunk).length;
      cx += packed.encode(chunk).length;
      const b = encodeBatch({ sensor: 'rtr-home-01', boot: 'b7f3c2a1', seq: seq++, stream: 'dns', events: chunk });
      nl += b.length;
      if (size === 500 && i === 0) {
        const back = decodeBatch(b).events.map((e) => JSON.stringify(e)).join('\n');
        if (back !== chunk.map((e) => JSON.stringify(e)).join('\n')) throw new Error('round trip differs');
      }
    }
    const f = (x) => (x / N).toFixed(1).padStart(9);
    console.log(`${String(size).padStart(5)} ${f(maps)}  ${f(st)}     ${f(cx)}   ${f(nl)}`);
  }
}
void cborxEncode;
