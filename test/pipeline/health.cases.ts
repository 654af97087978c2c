import type { Cases } from '../support/cases';
import { deepEq, eq, seeded } from '../support/check';
import { Counters } from '../../src/counters';
import { HealthSampler, parseCount, parseLoadavg, parseStat, procField, parseUptime, parseVmRSS, type HealthDeps } from '../../src/pipeline/health';

export const PROC_FILES = [
  'meminfo', 'loadavg', 'uptime', 'sys/net/netfilter/nf_conntrack_count', 'sys/net/netfilter/nf_conntrack_max',
  '1/stat', '1/status', '2/stat', '2/status', '100/stat', '100/status', '101/stat', '101/status',
  '102/stat', '102/status', '200/stat', '200/status', '201/stat', '201/status', '300/comm',
].map((f) => `proc/${f}`);

/** A Host over fixture texts: readText/readdir on '/p/...' map to test/fixtures/proc. */
function fixtureHost(ctx: { fixture(p: string): string }, pid: number, missing: string[] = []): HealthDeps['host_'] {
  const files: Record<string, string> = {};
  for (const f of PROC_FILES) if (!missing.includes(f)) files['/p' + f.slice(4)] = ctx.fixture(f);
  return {
    now: () => 1700000000,
    pid: () => pid,
    readText(path: string): string {
      if (!(path in files)) throw new Error(`ENOENT ${path}`);
      return files[path];
    },
    readdir(path: string): string[] {
      const names = new Set<string>();
      for (const k of Object.keys(files)) if (k.startsWith(path + '/')) names.add(k.slice(path.length + 1).split('/')[0]);
      if (names.size === 0) throw new Error(`ENOENT ${path}`);
      return [...names];
    },
  };
}

export const cases: Cases = {
  'procField reads meminfo kB values by key': (ctx) => {
    const m = ctx.fixture('proc/meminfo');
    eq(procField(m, 'MemTotal:'), 124932);
    eq(procField(m, 'MemAvailable:'), 70388);
    eq(procField(m, 'SwapCached:'), 0);
    eq(procField('garbage\nMemTotal: x kB\n: 5\n', 'MemTotal:'), undefined);
    eq(procField('garbage\n: 5\n', 'MemTotal:'), undefined);
  },

  'small /proc parsers, with malformed input': () => {
    eq(parseLoadavg('0.42 0.31 0.25 2/61 4242\n'), 0.42);
    eq(parseLoadavg('x y'), undefined);
    eq(parseLoadavg(''), undefined);
    eq(parseUptime('86400.52 170000.11\n'), 86400.52);
    eq(parseCount('137\n'), 137);
    eq(parseCount(''), undefined);
    eq(parseCount('-1'), undefined);
    eq(parseCount('1.5'), undefined);
    deepEq(parseStat('4242 (qjs) S 1 4242 4242 0 -1'), { comm: 'qjs', ppid: 1 });
    deepEq(parseStat('77 (odd) name (x)) R 12 77'), { comm: 'odd) name (x)', ppid: 12 });
    eq(parseStat('77 odd S 12'), undefined);
    eq(parseStat('77 (odd)'), undefined);
    eq(parseVmRSS('Name:\tx\nVmRSS:\t    5120 kB\n'), 5120);
    eq(parseVmRSS('Name:\tkthreadd\n'), undefined);
    eq(parseVmRSS('VmRSS:\tkB\n'), undefined);
  },

  'seeded fuzz: /proc parsers never throw on garbage': () => {
    const rnd = seeded(5);
    const alphabet = '0123456789 ()\n:.-kBSVmRS\t';
    for (let i = 0; i < 1000; i++) {
      let s = '';
      for (let k = Math.floor(rnd() * 60); k > 0; k--) s += alphabet[Math.floor(rnd() * alphabet.length)];
      procField(s, 'MemTotal:'); parseLoadavg(s); parseCount(s); parseStat(s); parseVmRSS(s);
    }
  },

  'the sampler over a fixture /proc: agent, descendants, watched, conntrack': (ctx) => {
    const counters = new Counters();
    counters.inc('lines', 3);
    counters.drop('garbage', 2);
    const s = new HealthSampler({
      host_: fixtureHost(ctx, 100), counters_: counters, procRoot_: '/p',
      config_: { agent: { sensor_id: 'r1', memory_budget: 8192 }, health: { watch: ['dnsmasq', 'hostapd'] } }, extra_: () => ({ spool_bytes: 42 }),
    });
    deepEq(s.sample_(), {
      type: 'health', ts: 1700000000, sensor: 'r1', uptime: 86400.52, mem_total: 124932, mem_available: 70388,
      load1: 0.42, ct_count: 137, ct_max: 15360, procs: 8, agent_rss: 5120, children_rss: 2000,
      watched: { dnsmasq: 2500 }, budget: 8192, spool_bytes: 42,
      counters: { lines: 3 }, dropped: { garbage: 2 },
    });
  },

  'missing files leave their fields absent (never invented)': (ctx) => {
    const s = new HealthSampler({
      host_: fixtureHost(ctx, 999, ['proc/meminfo', 'proc/sys/net/netfilter/nf_conntrack_count', 'proc/sys/net/netfilter/nf_conntrack_max', 'proc/200/status', 'proc/201/status']),
      counters_: new Counters(), config_: { agent: { sensor_id: 'r1' }, health: { watch: ['dnsmasq'] } }, procRoot_: '/p',
    });
    const h = s.sample_();
    eq('mem_total' in h, false);
    eq('ct_count' in h, false);
    eq('ct_max' in h, false);
    eq('agent_rss' in h, false, 'our pid is not in this /proc');
    eq('watched' in h, false, 'dnsmasq runs but its status is unreadable');
    eq('budget' in h, false);
    eq(h.load1, 0.42);
  },
};
