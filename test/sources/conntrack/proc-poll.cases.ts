// Sliced table reads (TableRead) against a real FlowTable: the same events as a read in one
// turn, events arriving between slices, bounded work per slice, the poll mode, garbage.
// A scripted host steps the slices one timer at a time.
import type { Cases } from '../../support/cases';
import { deepEq, eq, ok, seeded } from '../../support/check';
import { Counters } from '../../../src/counters';
import type { FlowEvent } from '../../../src/events';
import type { Host, TimerHandle } from '../../../src/host/types';
import { FlowTable } from '../../../src/pipeline/flows';
import { parseConntrackEvent, parseConntrackList } from '../../../src/sources/conntrack/parse';
import { pollIntervalMs, TableRead, type HeldFlows, type TableReadResult } from '../../../src/sources/conntrack/proc-poll';
import type { CtRecord } from '../../../src/sources/conntrack/record';
import { reconcile } from '../../pipeline/flows-read';

const PROC = 'lab-basic/nf_conntrack.snapshot';
const LIST = 'lab-basic/conntrack-list.txt';
const EVENTS = 'lab-basic/conntrack-events.txt';
const NOW = 1795391140;

/** A host whose table files are strings and whose timers run one per step(). */
function scripted(files: Record<string, string>) {
  const timers: { id: number; fn: () => void }[] = [];
  let nextId = 1;
  const st = { opened: 0, closed: 0, steps: 0, now: NOW, failAt: -1 };
  const host = {
    now: () => st.now,
    monotonic: () => 0,
    openLines(path: string) {
      if (!(path in files)) throw new Error(`ENOENT ${path}`);
      const lines = files[path].split('\n');
      let k = 0;
      let open = true;
      st.opened++;
      return {
        next(): string | null {
          if (!open) throw new Error('read after close');
          if (k === st.failAt) throw new Error('EIO');
          return k < lines.length ? lines[k++] : null;
        },
        close(): void {
          if (open) st.closed++;
          open = false;
        },
      };
    },
    setTimeout(fn: () => void, _ms: number): TimerHandle {
      const t = { id: nextId++, fn };
      timers.push(t);
      return { id: t.id };
    },
    clearTimer(h: TimerHandle): void {
      const i = timers.findIndex((t) => t.id === h.id);
      if (i >= 0) timers.splice(i, 1);
    },
  } as unknown as Host;
  return {
    host,
    st,
    pending: () => timers.length,
    /** Runs the next slice; false when nothing is scheduled. */
    step(): boolean {
      const t = timers.shift();
      if (!t) return false;
      st.steps++;
      t.fn();
      return true;
    },
    drain(): number {
      let n = 0;
      while (this.step()) n++;
      return n;
    },
  };
}

function rig(files: Record<string, string>, sliceLines = 4, maxFlows = 16384) {
  const counters = new Counters();
  const out: FlowEvent[] = [];
  const table = new FlowTable({ counters, sensor: 'lab', emit: (e) => out.push(JSON.parse(JSON.stringify(e)) as FlowEvent), maxFlows });
  const h = scripted(files);
  const news: CtRecord[] = [];
  const done: TableReadResult[] = [];
  const read = new TableRead({
    host: h.host, counters, flows: table, sliceLines,
    onNew: (r) => {
      news.push({ ...r });
      table.push(r);
    },
  });
  const start = (path: string, poll = false) => read.start(path, poll, (r) => done.push(r));
  return { counters, out, table, h, read, news, done, start };
}

function events(text: string): CtRecord[] {
  const c = new Counters();
  return text.split('\n').map((l) => parseConntrackEvent(l, c)).filter((r): r is CtRecord => r !== null);
}

function snapshot(text: string): CtRecord[] {
  const c = new Counters();
  return text.split('\n').map((l) => parseConntrackList(l, c)).filter((r): r is CtRecord => r !== null);
}

/** A /proc line of a tcp flow (`k` picks the client address and port). */
function procLine(k: number, state = 'ESTABLISHED', bytes = 300): string {
  const host = 2 + (k % 200);
  const port = 1024 + Math.floor(k / 200);
  return `ipv4     2 tcp      6 431999 ${state} src=192.0.2.${host} dst=198.51.100.80 sport=${port} dport=443 packets=3 bytes=${bytes} ` +
    `src=198.51.100.80 dst=198.51.100.1 sport=443 dport=${port} packets=4 bytes=400 [ASSURED] mark=0 zone=0 delta-time=7 use=2`;
}

function flushed(t: FlowTable, out: FlowEvent[]): FlowEvent[] {
  t.flush();
  return out;
}

export const cases: Cases = {
  'a sliced reconcile gives the same events as one in a single turn (proc and list fixtures, held or not)': (ctx) => {
    for (const [file, held] of [[PROC, true], [PROC, false], [LIST, true], [LIST, false]] as const) {
      const one = rig({});
      const sliced = rig({ t: ctx.fixture(file) }, 3);
      for (const r of [one, sliced]) if (held) for (const rec of events(ctx.fixture(EVENTS))) r.table.push(rec);
      reconcile(one.table, snapshot(ctx.fixture(file)), NOW);
      ok(sliced.start('t'));
      const slices = 1 + sliced.h.drain();
      ok(slices >= 31 / 3, `${file}: read in ${slices} slices`);
      eq(sliced.done.length, 1);
      deepEq(sliced.done[0], { ok: true, entries: 31, started: 0, ended: held ? 8 : 0 }, file);
      for (const name of ['flows.reconciled', 'flows.adopted', 'flows.start_unknown']) {
        eq(sliced.counters.get(name), one.counters.get(name), `${file}: ${name}`);
      }
      deepEq(flushed(sliced.table, sliced.out), flushed(one.table, one.out), `${file} held ${held}: same events`);
      eq(sliced.h.st.closed, 1, 'the table was closed');
    }
  },

  'events between slices: a NEW is not swept, a DESTROY before its line is not resurrected, one after it is reported once': () => {
    // held: flows 0..9 from an earlier read; the table now lists 0..7 and 20 (8 and 9 ended in the gap)
    const lines = [0, 1, 2, 3, 4, 5, 6, 7, 20].map((k) => procLine(k, 'ESTABLISHED', 500));
    const r = rig({ before: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((k) => procLine(k)).join('\n'), t: lines.join('\n') }, 3);
    r.start('before');
    r.h.drain();
    eq(r.table.size(), 10);
    const ev = (kind: string, k: number, extra = '') =>
      parseConntrackEvent(`[${NOW + 1}.000000]\t[${kind}] ` + procLine(k).replace(/ mark=0 zone=0 delta-time=7 use=2$/, '') + extra, new Counters())!;
    r.start('t'); // slice 1: lines 0..2
    eq(r.out.length, 0);
    r.table.push(ev('NEW', 30)); // begins during the read, in no line of it
    r.table.push(ev('DESTROY', 5)); // ends before its line (read later, stale) is reached
    r.table.push(ev('DESTROY', 1)); // ends after its line was read
    r.table.push(ev('UPDATE', 20)); // not held yet: adopted by the event, then met by its line
    eq(r.out.length, 2, 'both DESTROYs reported at once');
    r.h.drain();
    eq(r.counters.get('flows.read_gone'), 1, 'the stale line of flow 5 is skipped, counted');
    eq(r.counters.get('flows.reconciled'), 2, 'flows 8 and 9 ended in the gap');
    eq(r.counters.get('flows.adopted'), 10, 'only the first read adopted');
    deepEq(r.out.map((e) => [e.orig_h, e.end === undefined]), [
      ['192.0.2.7', false], ['192.0.2.3', false], ['192.0.2.10', true], ['192.0.2.11', true],
    ]);
    // held: 0, 2, 3, 4, 6, 7 (from the read), 30 (its NEW), 20 (its UPDATE, then its line)
    eq(r.table.size(), 8);
    const open = flushed(r.table, r.out).slice(4);
    deepEq(open.map((e) => e.orig_h).sort(), ['192.0.2.2', '192.0.2.22', '192.0.2.32', '192.0.2.4', '192.0.2.5', '192.0.2.6', '192.0.2.8', '192.0.2.9']);
    eq(open.find((e) => e.orig_h === '192.0.2.22')!.orig_bytes, 500, 'the event-adopted flow refreshed by its line');
  },

  'a second start during a read drops the first without its sweep; stop closes the table': () => {
    const r = rig({ a: [0, 1, 2, 3, 4, 5].map((k) => procLine(k)).join('\n'), b: [0, 1].map((k) => procLine(k)).join('\n') }, 2);
    r.start('a');
    r.h.drain();
    eq(r.table.size(), 6);
    r.start('b'); // slice 1 marks 0 and 1
    r.start('a'); // a new gap: read again from scratch
    eq(r.counters.get('conntrack.reads_restarted'), 1);
    eq(r.h.st.closed, 2, 'the dropped read closed its table');
    eq(r.h.pending(), 1, 'one read at a time: the dropped read scheduled nothing more');
    r.h.drain();
    eq(r.out.length, 0, 'the dropped read ended nothing');
    deepEq(r.done.map((d) => d.entries), [6, 6]);
    r.start('b');
    r.read.stop();
    eq(r.read.active(), false);
    eq(r.h.pending(), 0);
    eq(r.h.st.closed, r.h.st.opened, 'every table closed');
    eq(r.out.length, 0, 'stop ends nothing');
    r.start('b');
    r.h.drain();
    eq(r.counters.get('flows.reconciled'), 4, 'a later read sweeps normally');
  },

  'poll mode: NEW for flows not held, ends at the poll with the last counters, state changes refreshed': () => {
    const r = rig({
      p1: [procLine(1), procLine(2)].join('\n'),
      p2: [procLine(2, 'FIN_WAIT', 333), procLine(3)].join('\n'),
    });
    r.start('p1'); // the first look adopts
    r.h.drain();
    eq(r.counters.get('flows.adopted'), 2);
    r.h.st.now = NOW + 10;
    r.start('p2', true);
    r.h.drain();
    deepEq(r.done[1], { ok: true, entries: 2, started: 1, ended: 1 });
    deepEq(r.news.map((x) => [x.kind, x.sport, x.ts]), [['NEW', 1024, NOW + 10 - 7]], 'NEW, started at delta-time');
    eq(r.out.length, 1);
    const end = r.out[0];
    deepEq([end.orig_h, end.final, end.end, end.orig_bytes, end.resp_bytes, end.duration], ['192.0.2.3', true, NOW + 10, 300, 400, 17]);
    eq(r.counters.get('flows.reconciled'), 0, 'a poll end is not a gap');
    const open = flushed(r.table, r.out).slice(1);
    deepEq(open.map((e) => [e.orig_h, e.state, e.orig_bytes]), [['192.0.2.4', 'FIN_WAIT', 333], ['192.0.2.5', 'ESTABLISHED', 300]]);
  },

  'garbage lines are counted and skipped; a table that cannot be opened or read ends nothing': () => {
    const r = rig({ t: ['garbage line', procLine(1), 'ipv4 2 tcp 6 x', '', procLine(2), 'conntrack v1.4.7 (conntrack-tools): 2 flow entries have been shown.'].join('\n'), held: procLine(9) });
    r.start('held');
    r.h.drain();
    r.start('t');
    r.h.drain();
    eq(r.done[1].entries, 2);
    eq(r.counters.dropped('conntrack.bad_header'), 2, 'two bad lines');
    eq(r.counters.get('conntrack.ignored'), 2, 'the blank line and the summary');
    eq(r.table.size(), 2);
    eq(r.start('missing'), false);
    eq(r.counters.dropped('conntrack.table_read_failed'), 1);
    r.h.st.failAt = 1;
    r.start('t');
    r.h.drain();
    eq(r.done[2].ok, false);
    eq(r.counters.dropped('conntrack.table_read_failed'), 2);
    eq(r.out.length, 1, 'only the gap of the earlier read: a failed read ends nothing');
    eq(r.read.active(), false);
    eq(r.h.st.closed, r.h.st.opened);
  },

  'a 20,000-line table is read in many slices with bounded work each (gap, then poll)': () => {
    const N = 20000;
    const all: string[] = [];
    for (let k = 0; k < N; k++) all.push(procLine(k));
    // a quarter gone, 2,000 new, a few state changes
    const next = all.filter((_, k) => k % 4 !== 0).map((l, k) => (k % 1000 === 0 ? l.replace('ESTABLISHED', 'TIME_WAIT') : l));
    for (let k = N; k < N + 2000; k++) next.push(procLine(k));
    const r = rig({ all: all.join('\n'), next: next.join('\n') }, 100, 32768);
    // count the table work of every slice
    let work = 0;
    let most = 0;
    const flows = r.table as HeldFlows;
    const entry = flows.readEntry.bind(flows);
    const sweep = flows.readSweep.bind(flows);
    flows.readEntry = (rec, adopt) => (work++, entry(rec, adopt));
    flows.readSweep = (max, poll) => {
      const before = r.out.length;
      const done = sweep(max, poll);
      work += (r.out.length - before) * 8;
      ok(max <= 800, 'sweep budget');
      return done;
    };
    const slice = (): void => {
      most = Math.max(most, work);
      work = 0;
    };
    r.start('all');
    slice();
    let slices = 1;
    while (r.h.step()) {
      slices++;
      slice();
    }
    eq(r.table.size(), N);
    ok(slices >= N / 100, `${slices} slices`);
    ok(most <= 100, `at most 100 lines a slice (${most})`);
    r.start('next', true);
    slice();
    slices = 1;
    while (r.h.step()) {
      slices++;
      slice();
    }
    ok(slices >= (N * 0.75 + 2000) / 100 + 5000 / 100, `${slices} slices for 17,000 lines and 5,000 ends`);
    ok(most <= 800 + 8, `bounded work a slice (${most})`);
    deepEq(r.done[1], { ok: true, entries: N * 0.75 + 2000, started: 2000, ended: N / 4 });
    eq(r.out.length, N / 4);
    ok(r.out.every((e) => e.end === NOW && e.final), 'ended at the poll');
    eq(r.table.size(), N * 0.75 + 2000);
    eq(r.news.length, 2000);
  },

  'seeded: any slice size gives what one turn gives; events between slices never double a flow': () => {
    const rnd = seeded(5);
    for (let round = 0; round < 30; round++) {
      const pick = (n: number) => Math.floor(rnd() * n);
      const held = [...new Set(Array.from({ length: pick(60) }, () => pick(80)))];
      const now = [...new Set(Array.from({ length: pick(60) }, () => pick(80)))];
      const text = (ks: number[]) => ks.map((k) => (rnd() < 0.05 ? 'garbage ' + k : procLine(k, 'ESTABLISHED', 100 + round))).join('\n');
      const files = { held: text(held), now: text(now) };
      const one = rig({});
      const sliced = rig(files, 1 + pick(7));
      reconcile(one.table, snapshot(files.held), NOW);
      reconcile(one.table, snapshot(files.now), NOW);
      sliced.start('held');
      sliced.h.drain();
      sliced.start('now');
      sliced.h.drain();
      deepEq(flushed(sliced.table, sliced.out), flushed(one.table, one.out), `round ${round}: same events`);

      // the same read with events between its slices
      const r = rig(files, 1 + pick(7));
      r.start('held');
      r.h.drain();
      r.start('now');
      // flows named by their client address (k < 200: one port)
      const ended = new Set<string>();
      const began = new Set<string>();
      const ev = (kind: string, k: number) =>
        parseConntrackEvent(`[${NOW + 1}.000000]\t[${kind}] ` + procLine(k).replace(/ mark=0 zone=0 delta-time=7 use=2$/, ''), new Counters())!;
      while (r.read.active()) {
        for (let n = pick(3); n > 0; n--) {
          const k = pick(100);
          const host = `192.0.2.${2 + k}`;
          if (rnd() < 0.5 && !ended.has(host)) {
            r.table.push(ev('DESTROY', k));
            ended.add(host);
            began.delete(host);
          } else if (!began.has(host)) {
            r.table.push(ev('NEW', k));
            began.add(host);
            ended.delete(host);
          }
        }
        r.h.step();
      }
      const open = flushed(r.table, r.out).filter((e) => e.final === false).map((e) => e.orig_h);
      eq(new Set(open).size, open.length, `round ${round}: no flow held twice`);
      for (const host of began) ok(open.includes(host), `round ${round}: ${host} began during the read, still held`);
      for (const host of ended) ok(!open.includes(host), `round ${round}: ${host} ended during the read, not held`);
    }
  },

  'poll interval: floor by table size, min while churning, doubling to max when quiet': () => {
    // (size, churn, prevMs, minMs 2000, maxMs 30000)
    eq(pollIntervalMs(100, 5, 8000, 2000, 30000), 2000);
    eq(pollIntervalMs(100, 0, 2000, 2000, 30000), 4000);
    eq(pollIntervalMs(100, 0, 20000, 2000, 30000), 30000);
    eq(pollIntervalMs(20000, 9, 2000, 2000, 30000), 20000, '20k flows: every 20 s at most');
    eq(pollIntervalMs(1e6, 9, 2000, 2000, 30000), 30000, 'never beyond max');
    eq(pollIntervalMs(1000, 9, 2000, 2000, 30000, 5), 5000, 'perFlowMs');
  },
};
