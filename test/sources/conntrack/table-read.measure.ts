// Measures 20k-flow table reads under qjs: peak RSS (VmHWM, reset per phase through
// /proc/self/clear_refs) and the longest single loop turn (every timer and child callback timed).
// Not a test: run by hand (the fake conntrack of test/fixtures/bin stands in for `conntrack -E`).
//
//   D=$(mktemp -d); for f in A:0 B:2000 C:4000; do node test/sources/conntrack/table-read.gen.mjs ${f#*:} 20000 > $D/${f%:*}; done
//   npx esbuild test/sources/conntrack/table-read.measure.ts --bundle --format=esm --platform=neutral \
//     --external:std --external:os --banner:js='import "std";' --outfile=$D/m.js
//   printf '' > $D/run1.out; echo warn > $D/run1.mode; : > $D/run1.wait
//   CT_FAKE_DIR=$D .tools/bin/qjs $D/m.js reconcile $D    # or: ... m.js poll $D (fresh files)
//
// reconcile: the start's read adopts A (20k); then B (18k of A, 2k new) is read after an ENOBUFS.
// poll: mode 'proc', three polls of A, B, C.
import * as std from 'std';
import * as os from 'os';
import { createQuickJsHost } from '../../../src/host/quickjs';
import { Counters } from '../../../src/counters';
import { FlowTable } from '../../../src/pipeline/flows';
import { ConntrackSource } from '../../../src/sources/conntrack/live';
import { defaultConfig } from '../../../src/config/schema';
import type { Child, Host } from '../../../src/host/types';

declare const scriptArgs: string[];
const [, mode, dir] = scriptArgs;
const base = createQuickJsHost();
let maxTurn = 0;
let turns = 0;
let slow = 0;
function timed<A extends unknown[]>(fn: (...a: A) => void): (...a: A) => void {
  return (...a: A) => {
    const t0 = os.now();
    try {
      fn(...a);
    } finally {
      const dt = os.now() - t0;
      turns++;
      if (dt > maxTurn) maxTurn = dt;
      if (dt > 10) slow++;
    }
  };
}
const host: Host = {
  ...base,
  setTimeout: (fn, ms) => base.setTimeout(timed(fn), ms),
  spawn(argv, o) {
    const c = base.spawn(argv, o);
    const w: Child = {
      get pid() { return c.pid; },
      onLine: (cb) => c.onLine(timed(cb)),
      onData: (cb) => c.onData(timed(cb)),
      onStderrLine: (cb) => c.onStderrLine(timed(cb)),
      onExit: (cb) => c.onExit(timed(cb)),
      write: (d) => c.write(d),
      closeStdin: () => c.closeStdin(),
      kill: (s) => c.kill(s),
    };
    return w;
  },
};
function status(key: string): number {
  const f = std.open('/proc/self/status', 'r')!;
  let t = '';
  for (let l = f.getline(); l !== null; l = f.getline()) t += l + '\n';
  f.close();
  const m = new RegExp(key + ':\\s+(\\d+)').exec(t);
  return m ? Number(m[1]) : -1;
}
function resetPeak(): void {
  const f = std.open('/proc/self/clear_refs', 'w');
  if (f) { f.puts('5'); f.close(); }
  maxTurn = 0;
  turns = 0;
  slow = 0;
}
const counters = new Counters();
let emitted = 0;
const table = new FlowTable({ counters, sensor: 'h', emit: () => emitted++, maxFlows: 32768 });
const deps: any = {
  ...defaultConfig().conntrack,
  host, counters, table,
  onRecord: (r: any) => table.push(r),
  holds: table.holds,
  procPath: dir + '/nf_conntrack',
};
function report(phase: string, t0: number): void {
  std.out.puts(`${phase}: VmHWM ${status('VmHWM')} kB, VmRSS ${status('VmRSS')} kB, longest turn ${maxTurn.toFixed(1)} ms, turns ${turns} (${slow} over 10 ms), wall ${(os.now() - t0).toFixed(0)} ms, held ${table.size()}, emitted ${emitted}\n`);
  std.out.flush();
}
os.rename(dir + '/A', dir + '/nf_conntrack');
std.out.puts(`start: VmRSS ${status('VmRSS')} kB\n`);
resetPeak();
let t0 = os.now();
if (mode === 'reconcile') {
  deps.conntrackBin = std.getenv('CT_FAKE_BIN') ?? 'test/fixtures/bin/conntrack';
  deps.netlink_buffer = 65536;
  deps.bufferMaxBytes = 65536;
  const src = new ConntrackSource(deps);
  timed(() => src.start())();
  let phase = 1;
  const check = () => {
    const rec = counters.get('conntrack.reconciles');
    const busy = typeof (src as any).reading === 'function' && (src as any).reading();
    if (phase === 1 && rec === 1 && !busy) {
      report('reconcile 1 (empty table, 20k adopted)', t0);
      phase = 2;
      os.rename(dir + '/B', dir + '/nf_conntrack');
      resetPeak();
      t0 = os.now();
      std.open(dir + '/go1', 'w')!.close();
    } else if (phase === 2 && rec === 2 && !busy) {
      report('reconcile 2 (20k held: 18k matched, 2k ended, 2k adopted)', t0);
      src.stop();
      std.exit(0);
    }
    os.setTimeout(check, 5);
  };
  os.setTimeout(check, 5);
} else {
  deps.mode = 'proc';
  deps.proc_poll_min = deps.proc_poll_max = 0.05;
  const src = new ConntrackSource(deps);
  timed(() => src.start())();
  let seen = 0;
  const files = ['B', 'C'];
  const check = () => {
    const polls = counters.get('conntrack.polls');
    const busy = typeof (src as any).reading === 'function' && (src as any).reading();
    if (polls > seen && !busy) {
      seen = polls;
      report(`poll ${polls}`, t0);
      if (polls === 3) {
        src.stop();
        std.exit(0);
      }
      resetPeak();
      t0 = os.now();
      os.rename(dir + '/' + files[polls - 1], dir + '/nf_conntrack');
    }
    os.setTimeout(check, 2);
  };
  os.setTimeout(check, 2);
}
