// ConntrackSource against the Node host and a scripted stand-in for `conntrack`
// (test/fixtures/bin/conntrack, first in PATH): restart with backoff, buffer doubling on ENOBUFS,
// reconcile after the gap, and the /proc fallback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createNodeHost } from '../../../src/host/node';
import { Counters } from '../../../src/counters';
import type { FlowEvent } from '../../../src/events';
import { FlowTable } from '../../../src/pipeline/flows';
import { ConntrackSource, type ConntrackSourceDeps } from '../../../src/sources/conntrack/live';
import type { CtRecord } from '../../../src/sources/conntrack/record';
import { fixturePath } from '../../support/engines';
import { defaultConfig } from '../../../src/config/schema';

process.env.PATH = `${fixturePath('bin')}:${process.env.PATH}`;

/** An event line; `acct` adds both directions' counters and delta-time, as on DESTROY. */
const flow = (id: number, sport: number, kind: string, acct = false) =>
  `[1795391200.000000]\t${kind.padStart(9)} ipv4     2 tcp      6 120 ESTABLISHED src=192.0.2.10 dst=198.51.100.80 sport=${sport} dport=443 ` +
  (acct ? 'packets=9 bytes=900 ' : '') +
  `src=198.51.100.80 dst=198.51.100.1 sport=443 dport=${sport} ${acct ? 'packets=8 bytes=800 ' : ''}[ASSURED] ${acct ? 'delta-time=3 ' : ''}id=${id}`;
const proc = (sport: number) =>
  `ipv4     2 tcp      6 431999 ESTABLISHED src=192.0.2.10 dst=198.51.100.80 sport=${sport} dport=443 packets=3 bytes=300 ` +
  `src=198.51.100.80 dst=198.51.100.1 sport=443 dport=${sport} packets=4 bytes=400 [ASSURED] mark=0 zone=0 delta-time=7 use=2\n`;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function until(what: string, cond: () => boolean, ms = 20000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

function rig(dir: string, opts: Partial<ConntrackSourceDeps>) {
  const host = createNodeHost();
  const counters = new Counters();
  const out: FlowEvent[] = [];
  const records: CtRecord[] = [];
  const table = new FlowTable({ counters, sensor: 't', emit: (e) => out.push(e) });
  const procPath = join(dir, 'nf_conntrack');
  const src = new ConntrackSource({
    ...defaultConfig().conntrack, // the config's defaults, as the agent passes its section
    host,
    counters,
    procPath,
    restart_backoff_min: 0.02,
    restart_backoff_max: 0.08,
    holds: (id) => table.holds(id),
    onRecord: (r) => {
      records.push({ ...r }); // the source may reuse one record
      table.push(r);
    },
    table,
    ...opts,
  });
  /** Table reads finished: reconciles (events mode) or polls. */
  const reads = () => counters.get('conntrack.reconciles') + counters.get('conntrack.polls');
  return { host, counters, out, records, reads, table, src, procPath };
}

test('ENOBUFS: restart at once with a doubled buffer, reconcile the gap from /proc', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nl-ct-'));
  process.env.CT_FAKE_DIR = dir;
  // a long backoff, which a restart for a bigger buffer must not wait for
  const r = rig(dir, { netlink_buffer: 65536, restart_backoff_min: 5, restart_backoff_max: 10 });
  try {
    writeFileSync(r.procPath, ''); // nothing predates us
    writeFileSync(join(dir, 'run1.out'), [flow(1, 1001, '[NEW]'), flow(2, 1002, '[NEW]'), flow(2, 1002, '[UPDATE]')].join('\n') + '\n');
    writeFileSync(join(dir, 'run1.mode'), 'enobufs');
    writeFileSync(join(dir, 'run1.wait'), ''); // the ENOBUFS comes once the test says go1
    writeFileSync(join(dir, 'run2.out'), flow(2, 1002, '[DESTROY]', true) + '\n');
    writeFileSync(join(dir, 'run2.mode'), 'stay');
    r.src.start();
    await until('the first reconcile', () => r.reads() === 1);
    // during the gap flow 1 ends and flow 3 begins; flow 2 is still open
    writeFileSync(r.procPath, proc(1002) + proc(1003));
    const lost = Date.now();
    writeFileSync(join(dir, 'go1'), '');
    await until('the second run and its reconcile', () => r.reads() === 2 && r.out.length >= 2);
    // restarted at once, not after the 5 s backoff
    assert.ok(Date.now() - lost < 2500, `restart took ${Date.now() - lost} ms`);
    const argv = readFileSync(join(dir, 'argv'), 'utf8').trim().split('\n');
    assert.deepEqual(argv, ['-E -o timestamp,extended,id -b 65536', '-E -o timestamp,extended,id -b 131072']);
    assert.equal(r.counters.dropped('conntrack.enobufs'), 1);
    assert.equal(r.counters.get('conntrack.gaps'), 1);
    assert.equal(r.counters.get('conntrack.reconciles'), 2);
    assert.deepEqual(r.records.filter((x) => x.kind === 'UPDATE').length, 1);
    assert.equal(r.counters.dropped('flows.partial_unheld'), 0);
    assert.equal(r.counters.get('flows.reconciled'), 1, 'flow 1 ended in the gap');
    assert.equal(r.counters.get('flows.adopted'), 1, 'flow 3 began in the gap');
    const stats = r.src.stats_();
    assert.equal(stats.mode, 'events');
    assert.equal(stats.restarts, 1);
    assert.equal(stats.bufferBytes, 131072);
    assert.ok(stats.pid !== null);
    const ended = r.out.find((e) => e.ct_id === 1)!;
    assert.equal(ended.final, true);
    assert.equal(ended.end, undefined, 'ended unseen: no end time');
    const destroyed = r.out.find((e) => e.ct_id === 2)!;
    assert.deepEqual([destroyed.final, destroyed.orig_bytes, destroyed.resp_bytes, destroyed.end], [true, 900, 800, 1795391200]);
    r.table.flush();
    const adopted = r.out.find((e) => e.orig_p === 1003)!;
    assert.deepEqual([adopted.final, adopted.orig_bytes], [false, 300]);
  } finally {
    r.src.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('conntrack >= 1.4.6 keeps running after ENOBUFS: at the buffer cap it is only reconciled', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nl-ct-'));
  process.env.CT_FAKE_DIR = dir;
  const r = rig(dir, { netlink_buffer: 65536, bufferMaxBytes: 65536 });
  try {
    writeFileSync(r.procPath, proc(2000));
    writeFileSync(join(dir, 'run1.out'), flow(1, 1001, '[NEW]') + '\n');
    writeFileSync(join(dir, 'run1.mode'), 'warn');
    r.src.start();
    await until('the ENOBUFS reconcile', () => r.counters.dropped('conntrack.enobufs') === 1 && r.reads() >= 2);
    await sleep(100);
    assert.equal(r.src.stats_().restarts, 0, 'not restarted');
    assert.equal(readFileSync(join(dir, 'runs'), 'utf8').trim(), '1');
    assert.equal(r.counters.get('conntrack.stderr_lines'), 0, 'the warning is recognised, all three lines');
  } finally {
    r.src.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a conntrack that keeps failing is restarted with exponential backoff, buffer unchanged', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nl-ct-'));
  process.env.CT_FAKE_DIR = dir;
  const r = rig(dir, { netlink_buffer: 65536, restart_backoff_min: 0.04, restart_backoff_max: 0.16, eventMask_: 'NEW,DESTROY' });
  try {
    writeFileSync(r.procPath, '');
    const t0 = Date.now();
    r.src.start();
    await until('four runs', () => {
      try {
        return Number(readFileSync(join(dir, 'runs'), 'utf8')) >= 4;
      } catch {
        return false;
      }
    });
    const took = Date.now() - t0;
    assert.ok(took >= 40 + 80 + 160, `backoff doubles (took ${took} ms)`);
    const argv = readFileSync(join(dir, 'argv'), 'utf8').trim().split('\n');
    assert.ok(argv.every((a) => a === '-E -o timestamp,extended,id -b 65536 -e NEW,DESTROY'), 'no ENOBUFS, no bigger buffer');
    assert.ok(r.counters.dropped('conntrack.exited') >= 3);
    assert.match(r.counters.sample('conntrack.exited')!, /exit 1: conntrack v1\.4\.7 .*scripted/);
  } finally {
    r.src.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without the conntrack binary: poll /proc, match it against the flow table, same flow events', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nl-ct-'));
  const r = rig(dir, { conntrackBin: join(dir, 'no-such-conntrack'), proc_poll_min: 0.02, proc_poll_max: 0.04 });
  try {
    writeFileSync(r.procPath, proc(1001) + proc(1002));
    r.src.start();
    await until('the first poll', () => r.reads() === 1);
    assert.equal(r.src.stats_().mode, 'proc');
    assert.equal(r.counters.get('conntrack.fallback_proc'), 1);
    assert.equal(r.counters.dropped('conntrack.spawn_failed'), 1);
    assert.equal(r.table.size(), 2);
    writeFileSync(r.procPath, proc(1002).replace('bytes=300', 'bytes=333') + proc(1003));
    await until('the second poll', () => r.records.length >= 1 && r.out.length >= 1);
    assert.deepEqual(r.records.map((x) => [x.kind, x.sport]), [['NEW', 1003]]);
    assert.deepEqual(r.out.map((e) => e.orig_p), [1001]);
    const ended = r.out.find((e) => e.orig_p === 1001)!;
    assert.deepEqual([ended.final, ended.orig_bytes, ended.resp_bytes], [true, 300, 400], 'counters from the last poll');
    assert.ok(typeof ended.end === 'number');
    assert.equal(r.table.size(), 2);
  } finally {
    r.src.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a reconcile reads a big table in slices while the new child\'s events go on', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nl-ct-'));
  process.env.CT_FAKE_DIR = dir;
  const r = rig(dir, { netlink_buffer: 65536, sliceLines_: 50 });
  try {
    // 5,000 flows predate us; the last one's line is read long after its DESTROY arrives
    const lines: string[] = [];
    for (let p = 10000; p < 15000; p++) lines.push(proc(p));
    writeFileSync(r.procPath, lines.join(''));
    writeFileSync(join(dir, 'run1.out'), [flow(1, 10000, '[DESTROY]', true), flow(2, 14999, '[DESTROY]', true), flow(3, 20000, '[NEW]')].join('\n') + '\n');
    writeFileSync(join(dir, 'run1.mode'), 'stay');
    r.src.start();
    await until('the read to begin', () => r.src.reading());
    await until('the events', () => r.out.length >= 2);
    assert.ok(r.src.reading(), 'the events came while the read was under way');
    await until('the reconcile', () => r.reads() === 1);
    // 10000 was adopted by the first slice (read at once), then ended by its DESTROY
    assert.equal(r.counters.get('flows.adopted'), 4999, 'all but 14999, whose line came after its DESTROY');
    assert.equal(r.counters.get('flows.read_gone'), 1, 'the stale line of flow 14999');
    assert.equal(r.counters.get('flows.reconciled'), 0, 'the NEW of the read was not swept');
    assert.equal(r.table.size(), 4999);
    assert.deepEqual(r.out.map((e) => [e.orig_p, e.final, e.end]), [[10000, true, 1795391200], [14999, true, 1795391200]]);
  } finally {
    r.src.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('stop during a table read closes the table and ends nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nl-ct-'));
  const r = rig(dir, { conntrackBin: join(dir, 'no-such-conntrack'), sliceLines_: 10, proc_poll_min: 0.02, proc_poll_max: 0.04 });
  const openFds = () => readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === r.procPath;
    } catch {
      return false;
    }
  }).length;
  try {
    const lines: string[] = [];
    for (let p = 10000; p < 12000; p++) lines.push(proc(p));
    writeFileSync(r.procPath, lines.join(''));
    r.src.start();
    assert.ok(r.src.reading());
    await sleep(20);
    assert.ok(r.src.reading(), 'still reading, a slice at a time');
    assert.equal(openFds(), 1);
    r.src.stop();
    assert.equal(r.src.reading(), false);
    assert.equal(openFds(), 0, 'the table is closed');
    const held = r.table.size();
    assert.ok(held > 0 && held < 2000, `${held} adopted before the stop`);
    await sleep(50);
    assert.equal(r.table.size(), held, 'nothing read after the stop');
    assert.equal(r.out.length, 0);
  } finally {
    r.src.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
