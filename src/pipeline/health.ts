// The periodic `health` record: memory, load, conntrack fill, process count, the agent's own
// memory (and its children's: conntrack, logread, ubus) and watched daemons (dnsmasq), all read
// from /proc through the Host. A file that is missing or unreadable leaves its field absent.
//
// Cost on a router (runs every interval): one readdir of /proc, one short read of
// /proc/<pid>/stat per process (name and parent in one line), then /proc/<pid>/status only for
// the agent, its descendants and watched processes. A number is read by one short anchored regex
// (a few thousand instructions in qjs; a sample reads two from meminfo and one per process).
import type { Counters } from '../counters';
import type { HealthEvent } from '../events';
import type { Host } from '../host/types';
import { isInteger, newDict } from '../compat/lang';
import type { NetledgerConfig } from '../config/schema';

export interface HealthDeps {
  host_: Pick<Host, 'readText' | 'readdir' | 'pid' | 'now'>;
  counters_: Counters;
  /**
   * The agent's config: its sensor_id, memory_budget (kB, reported as `budget`) and the health
   * section's watch (process names as in /proc/<pid>/comm whose VmRSS is reported).
   */
  config_: {
    agent: Pick<NetledgerConfig['agent'], 'sensor_id'> & Partial<Pick<NetledgerConfig['agent'], 'memory_budget'>>;
    health: Pick<NetledgerConfig['health'], 'watch'>;
  };
  /** fields supplied by others (spool_bytes, ...) */
  extra_?: () => Partial<HealthEvent>;
  /** default '/proc' (tests point it at a fixture tree) */
  procRoot_?: string;
}

/** The number after `key` ('MemTotal:', 'VmRSS:') and blanks in a /proc text, in its unit (kB), or undefined. */
export function procField(text: string, key: string): number | undefined {
  const at = text.indexOf(key);
  const m = at < 0 ? null : /^[ \t]*(\d+)/.exec(text.slice(at + key.length));
  return m ? +m[1] : undefined;
}

/** /proc/loadavg → the 1-minute load, or undefined. */
export function parseLoadavg(text: string): number | undefined {
  const sp = text.indexOf(' ');
  const v = +text.slice(0, sp);
  return sp > 0 && Number.isFinite(v) ? v : undefined;
}

/** /proc/uptime → seconds since boot, or undefined (its first number, as loadavg's). */
export const parseUptime = parseLoadavg;

/** A single-number file (nf_conntrack_count) → the number, or undefined. */
export function parseCount(text: string): number | undefined {
  const v = +text;
  return isInteger(v) && v >= 0 && text.trim() ? v : undefined;
}

/** /proc/<pid>/stat → name and parent pid; the name may hold spaces and ')' so the last ')' ends it. */
export function parseStat(text: string): { comm: string; ppid: number } | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  // ") S 123 ..." : state, then ppid (the number after the blank that ends the state)
  const ppid = open < 0 || close < open ? undefined : procField(text.slice(close + 2), ' ');
  return ppid === undefined ? undefined : { comm: text.slice(open + 1, close), ppid };
}

/** /proc/<pid>/status → VmRSS in kB, or undefined (kernel threads have none). */
export const parseVmRSS = (text: string): number | undefined => procField(text, 'VmRSS:');

export interface HealthSampler {
  sample_(): HealthEvent;
}

/** `new HealthSampler(deps)`: a constructor function returning its object (no `this.deps_` in the bundle). */
export const HealthSampler = function (d: HealthDeps): HealthSampler {
  const { host_: host, counters_: counters, config_: { agent: ag, health: { watch: watched } }, procRoot_: root = '/proc' } = d;
  return {
    sample_() {
      const ev: HealthEvent = { type: 'health', ts: host.now(), sensor: ag.sensor_id };
      // Each figure only when its /proc file reads and parses (containers and old kernels lack
      // some): an unreadable file reads as '', which every parser answers with undefined.
      const read = (file: string | number): string => {
        try {
          return host.readText(`${root}/${file}`);
        } catch {
          return '';
        }
      };
      const set = <K extends keyof HealthEvent>(key: K, v: HealthEvent[K] | undefined): void => {
        if (v !== undefined) ev[key] = v;
      };
      /** The summed VmRSS of those of `pids` that have one; undefined when none has. */
      const sumRss = (pids: number[]): number | undefined => {
        let sum: number | undefined;
        for (const pid of pids) {
          const r = parseVmRSS(read(`${pid}/status`));
          if (r !== undefined) sum = (sum ?? 0) + r;
        }
        return sum;
      };
      set('uptime', parseLoadavg(read('uptime'))); // (parseUptime)
      const mem = read('meminfo');
      set('mem_total', procField(mem, 'MemTotal:'));
      set('mem_available', procField(mem, 'MemAvailable:'));
      set('load1', parseLoadavg(read('loadavg')));
      for (const k of ['count', 'max'] as const) set(`ct_${k}`, parseCount(read(`sys/net/netfilter/nf_conntrack_${k}`)));
      let names: string[] | undefined;
      try {
        names = host.readdir(root);
      } catch {
        counters.inc('health_proc_unreadable');
      }
      if (names) {
        const self = host.pid();
        const parent = new Map<number, number>();
        const byName: Record<string, number[]> = newDict();
        for (const w of watched) byName[w] = [];
        let procs = 0;
        for (const name of names) {
          const c = name.charCodeAt(0);
          const pid = +name;
          if (c < 48 || c > 57 || !isInteger(pid)) continue;
          procs++;
          // a process may exit between readdir and this read: then it simply is not counted further
          const st = parseStat(read(`${name}/stat`));
          if (st === undefined) continue;
          parent.set(pid, st.ppid);
          byName[st.comm]?.push(pid);
        }
        ev.procs = procs;
        set('agent_rss', sumRss([self]));
        // descendants: walk each process's parent chain up to us (depth-capped against loops)
        const children = sumRss([...parent.keys()].filter((pid) => {
          let p = parent.get(pid);
          for (let depth = 0; pid !== self && p! > 0 && depth < 64; depth++, p = parent.get(p!)) if (p === self) return true;
          return false;
        }));
        if (children !== undefined || parent.size) ev.children_rss = children ?? 0;
        for (const name of watched) {
          const sum = sumRss(byName[name]);
          if (sum !== undefined) (ev.watched ??= {})[name] = sum;
        }
      }
      set('budget', ag.memory_budget);
      if (d.extra_) Object.assign(ev, d.extra_());
      ({ counters: ev.counters, dropped: ev.dropped } = counters.snapshot());
      return ev;
    },
  };
} as unknown as new (deps: HealthDeps) => HealthSampler;
