// The spool on a real directory through the Node host: crash recovery (a child process killed
// with SIGKILL mid-stream), temp-file cleanup, cap and priority drops, lazy payloads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { createNodeHost } from '../../src/host/node';
import { Counters } from '../../src/counters';
import { spool as openSpool } from '../../src/transport/spool';

const ROOT = resolve(import.meta.dirname, '../..');

function fresh(): string {
  return mkdtempSync(join(tmpdir(), 'nl-spool-'));
}

function spool(dir: string, capBytes = 1 << 20, counters = new Counters()) {
  const s = openSpool({ host_: createNodeHost(), dir, max_bytes: capBytes, counters_: counters });
  s.open_();
  return { s, counters };
}

const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);

test('put, pending oldest first, ack deletes the file', () => {
  const dir = fresh();
  try {
    const { s } = spool(join(dir, 'sub/dir'));
    const a = s.put_('dns', bytes(10, 1));
    const b = s.put_('flow', bytes(20, 2));
    const c = s.put_('dns', bytes(30, 3));
    assert.ok(a && b && c);
    assert.deepEqual(s.pending_().map((e) => e.stream_), ['dns', 'flow', 'dns']);
    assert.equal(s.bytes_(), 60);
    assert.equal(s.count_(), 3);
    assert.deepEqual([...s.pending_()[1].payload_], [...bytes(20, 2)]);
    s.ack_(b.id_);
    s.ack_('nonexistent');
    assert.equal(readdirSync(join(dir, 'sub/dir')).length, 2);
    assert.equal(s.bytes_(), 40);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a new Spool on the same directory recovers order and continues numbering; temp files and empty files are cleaned', () => {
  const dir = fresh();
  try {
    const { s } = spool(dir);
    for (let i = 0; i < 5; i++) s.put_(i % 2 ? 'flow' : 'dns', bytes(5 + i, i));
    const before = s.pending_().map((e) => e.id_);
    writeFileSync(join(dir, '000000000002-dns.nlb.tmp-999'), 'half');
    writeFileSync(join(dir, '000000000099-dns.nlb'), '');
    writeFileSync(join(dir, 'README'), 'not ours');
    const { s: again, counters } = spool(dir);
    assert.deepEqual(again.pending_().map((e) => e.id_), before);
    assert.equal(counters.get('spool_temp_removed'), 1);
    assert.equal(counters.dropped('spool_corrupt_dns'), 1);
    assert.equal(counters.get('spool_recovered'), 5);
    const next = again.put_('dns', bytes(1, 9));
    assert.ok(next && next.id_ > before[before.length - 1] && next.id_ > '000000000099', `numbering continues: ${next?.id_}`);
    assert.ok(readdirSync(dir).includes('README'), 'foreign files are left alone');
    assert.deepEqual([...again.pending_()[2].payload_], [...bytes(7, 2)]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('over the cap: lowest priority first, oldest first, alerts last; every drop counted', () => {
  const dir = fresh();
  try {
    const { s, counters } = spool(dir, 100);
    s.put_('alert', bytes(30, 1));
    s.put_('dns', bytes(30, 2));
    s.put_('flow', bytes(30, 3));
    s.put_('dns', bytes(30, 4)); // 120 > 100: the oldest dns goes
    assert.deepEqual(s.pending_().map((e) => `${e.stream_}:${e.payload_[0]}`), ['alert:1', 'flow:3', 'dns:4']);
    s.put_('alert', bytes(30, 5)); // dns:4 goes
    s.put_('alert', bytes(30, 6)); // flow goes
    assert.deepEqual(s.pending_().map((e) => `${e.stream_}:${e.payload_[0]}`), ['alert:1', 'alert:5', 'alert:6']);
    s.put_('alert', bytes(30, 7)); // only alerts left: the oldest alert goes
    assert.deepEqual(s.pending_().map((e) => e.payload_[0]), [5, 6, 7]);
    assert.equal(counters.dropped('spool_dropped_dns'), 2);
    assert.equal(counters.dropped('spool_dropped_flow'), 1);
    assert.equal(counters.dropped('spool_dropped_alert'), 1);
    assert.ok(s.bytes_() <= 100);
    assert.equal(readdirSync(dir).length, 3);
    assert.equal(s.put_('dns', bytes(200, 8)), null, 'a batch bigger than the cap is dropped at once');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a bad stream name is refused and counted', () => {
  const dir = fresh();
  try {
    const { s, counters } = spool(dir);
    assert.equal(s.put_('../x', bytes(1, 1)), null);
    assert.equal(counters.dropped('spool_bad_stream'), 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('survives SIGKILL: a child spools in a loop and is killed; every complete file is recovered', () => {
  const dir = fresh();
  try {
    const child = `
      import { createNodeHost } from ${JSON.stringify(join(ROOT, 'src/host/node.ts'))};
      import { Counters } from ${JSON.stringify(join(ROOT, 'src/counters.ts'))};
      import { spool } from ${JSON.stringify(join(ROOT, 'src/transport/spool.ts'))};
      const s = spool({ host_: createNodeHost(), dir: ${JSON.stringify(dir)}, max_bytes: 1 << 30, counters_: new Counters() });
      s.open_();
      const p = new Uint8Array(4096);
      for (let i = 0; ; i++) {
        p.fill(i & 255);
        s.put_(i % 3 ? 'dns' : 'flow', p);
        if (i === 200) process.kill(process.pid, 'SIGKILL');
      }
    `;
    const script = join(dir, '..', `nl-spool-child-${process.pid}.ts`);
    writeFileSync(script, child);
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, encoding: 'utf8' });
    rmSync(script, { force: true });
    assert.equal(r.signal, 'SIGKILL', r.stderr);
    const { s } = spool(dir);
    assert.equal(s.count_(), 201);
    s.pending_().forEach((e, i) => {
      assert.equal(e.payload_.length, 4096);
      assert.equal(e.payload_[0], i & 255, `entry ${i} in order`);
    });
    for (const f of readdirSync(dir)) assert.ok(!f.includes('.tmp-'), `no temp left: ${f}`);
    assert.equal(readFileSync(join(dir, s.pending_()[0].id_)).length, 4096);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
