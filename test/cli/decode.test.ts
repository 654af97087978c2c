// `netledger decode` end to end: the real bundle under qjs (and the Node bundle), fed hex lines on
// stdin and files of raw batches; output must be exactly the events' NDJSON lines.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { ROOT, runQjs, runNode } from '../support/engines';
import { encodeBatch } from '../../src/codec/batch';
import { toHex, encode } from '../../src/codec/cbor';
import { dnsCorpus } from '../codec/corpus';
import { fakeFlow } from '../pipeline/factories';
import type { NetEvent } from '../../src/events';

const dns = dnsCorpus(11, 60) as NetEvent[];
const flows = [fakeFlow({ ts: 1.5 }), fakeFlow({ ts: 2.25, dir: 'lan' })] as NetEvent[];
const batch = (stream: string, seq: number, events: NetEvent[], boot = 'b1') => encodeBatch({ sensor: 'rtr1', boot, seq, stream, events });
const lines = (evs: NetEvent[]) => evs.map((e) => JSON.stringify(e) + '\n').join('');

let dir = '';
before(() => {
  const r = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  dir = mkdtempSync(join(tmpdir(), 'nl-decode-'));
});
process.on('exit', () => dir && rmSync(dir, { recursive: true, force: true }));

for (const [engine, run] of [['qjs', runQjs], ['node', runNode]] as const) {
  test(`${engine}: --hex on stdin prints the identical NDJSON; mosquitto_sub '%t %x' lines work too`, () => {
    const input = [toHex(batch('dns', 0, dns.slice(0, 30))), `netledger/v1/rtr1/flow ${toHex(batch('flow', 0, flows))}`,
      '', toHex(batch('dns', 1, dns.slice(30)))].join('\n') + '\n';
    const r = run(['decode', '--hex'], { input });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, lines(dns.slice(0, 30)) + lines(flows) + lines(dns.slice(30)));
    assert.match(r.stderr, /decode: 3 batches, 62 events\n/);
  });

  test(`${engine}: a file of raw batches (CBOR sequence)`, () => {
    const a = batch('dns', 0, dns.slice(0, 10));
    const b = batch('flow', 0, flows);
    const f = join(dir, `raw-${engine}.cbor`);
    writeFileSync(f, Buffer.concat([a, b]));
    const r = run(['decode', f]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, lines(dns.slice(0, 10)) + lines(flows));
    // a cut-off last batch: the good one is printed, the bad one reported, exit 1
    writeFileSync(f, Buffer.concat([a, b.subarray(0, b.length - 3)]));
    const bad = run(['decode', f]);
    assert.equal(bad.code, 1);
    assert.equal(bad.stdout, lines(dns.slice(0, 10)));
    assert.match(bad.stderr, /batch at byte \d+: cbor: truncated/);
  });

  test(`${engine}: bad lines are skipped and reported (exit 1); --dedupe drops repeats; gaps are reported`, () => {
    const b0 = toHex(batch('dns', 0, dns.slice(0, 5)));
    const b3 = toHex(batch('dns', 3, dns.slice(5, 10)));
    const input = [b0, 'xyz', b0, b3, b0.slice(0, 40)].join('\n');
    const r = run(['decode', '--hex', '--dedupe'], { input });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, lines(dns.slice(0, 10)));
    assert.match(r.stderr, /2 batches, 10 events, 1 duplicate batches dropped, 2 bad inputs/);
    assert.match(r.stderr, /line 2: not hex/);
    assert.match(r.stderr, /line 5: cbor: truncated/);
    assert.match(r.stderr, /gap rtr1\/b1\/dns: missing 1-2/);
    const keep = run(['decode', '--hex', '--quiet'], { input: [b0, b0].join('\n') });
    assert.equal(keep.stdout, lines(dns.slice(0, 5)).repeat(2), 'without --dedupe repeats print');
    assert.equal(keep.stderr, '');
  });

  test(`${engine}: a hostile count (huge n, one empty shape) is a bad input, not billions of events`, () => {
    const hostile = toHex(encode({ v: 1, sensor: 's', boot: 'b', seq: 0, stream: 'dns', n: 2 ** 53 - 1, strs: [], cols: [], shapes: [[]], shape: new Uint8Array(0) }));
    const r = run(['decode', '--hex'], { input: [hostile, toHex(batch('dns', 1, dns.slice(0, 3)))].join('\n') });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, lines(dns.slice(0, 3)));
    assert.match(r.stderr, /1 batches, 3 events, 1 bad inputs\n  line 1: batch: n is 9007199254740991, over 65536\n/);
  });

  test(`${engine}: an event too large to print is a bad input, and decoding goes on`, () => {
    // one event whose list holds a 60,000-character string 20,000 times: 1.2e9 characters of JSON
    const huge = toHex(encode({ v: 1, sensor: 's', boot: 'b', seq: 0, stream: 'dns', n: 1, strs: ['x'.repeat(60000)], cols: [['k', 3, null, [20000], new Uint8Array(2500), new Uint8Array(0)]], shapes: [[0]], shape: new Uint8Array(0) }));
    const r = run(['decode', '--hex'], { input: [huge, toHex(batch('dns', 1, dns.slice(0, 3)))].join('\n') });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, lines(dns.slice(0, 3)));
    assert.match(r.stderr, /^decode: 1 batches, 3 events, 1 bad inputs\n  line 1: .*(string too long|Invalid string length)/);
  });

  test(`${engine}: usage errors exit 2`, () => {
    assert.equal(run(['decode']).code, 2);
    assert.equal(run(['decode', '--nope']).code, 2);
  });
}
