// The periodic `health` record: memory, load, conntrack fill, process count, the agent's own
// memory (and its children's: conntrack, logread, ubus) and watched daemons (dnsmasq), all read
// from /proc through the Host. A file that is missing or unreadable leaves its field absent.
//
// Cost on a router (runs every interval): one readdir of /proc, one short read of
// /proc/<pid>/stat per process (name and parent in one line), then /proc/<pid>/status only for
// the agent, its descendants and watched processes. A number is read by one short anchored regex
// (a few thousand instructions in qjs; a sample reads meminfo's ~50 and one per process).
import type { Counters } from '../counters';
import type { HealthEvent } from '../events';
import type { Host } from '../host/types';
import { isInteger, newDict, WithDeps } from '../compat/lang';

export interface HealthDeps {
  host_: Pick<Host, 'readText' | 'readdir' | 'pid' | 'now'>;
  counters_: Counters;
  sensor_: string;
  /** process names (as in /proc/<pid>/comm) whose VmRSS is reported; default ['dnsmasq'] */
  watched_?: string[];
  /** the agent's memory budget, kB, reported as `budget` */
  budgetKb_?: number;
  /** fields supplied by others (spool_bytes, ...) */
  extra_?: () => Partial<HealthEvent>;
  /** default '/proc' (tests point it at a fixture tree) */
  procRoot_?: string;
}

/** /proc/meminfo → { MemTotal: kB, ... } (values in kB, as printed). */
export function parseMeminfo(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  let pos = 0;
  while (pos < text.length) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    const colon = text.indexOf(':', pos);
    if (colon > pos && colon < nl) {
      const v = leadingNumber(text, colon + 1, nl);
      if (v >= 0) out[text.slice(pos, colon)] = v;
    }
    pos = nl + 1;
  }
  return out;
}

/** /proc/loadavg → the 1-minute load, or undefined. */
export function parseLoadavg(text: string): number | undefined {
  const sp = text.indexOf(' ');
  const v = Number(sp < 0 ? text.trim() : text.slice(0, sp));
  return sp > 0 && Number.isFinite(v) ? v : undefined;
}

/** /proc/uptime → seconds since boot, or undefined (its first number, as loadavg's). */
export const parseUptime = parseLoadavg;

/** A single-number file (nf_conntrack_count) → the number, or undefined. */
export function parseCount(text: string): number | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  const v = Number(t);
  return isInteger(v) && v >= 0 ? v : undefined;
}

/** /proc/<pid>/stat → name and parent pid; the name may hold spaces and ')' so the last ')' ends it. */
export function parseStat(text: string): { comm: string; ppid: number } | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  // ") S 123 ..." : state, then ppid
  const stateEnd = text.indexOf(' ', close + 2);
  if (stateEnd < 0) return undefined;
  const ppid = leadingNumber(text, stateEnd + 1, text.length);
  if (ppid < 0) return undefined;
  return { comm: text.slice(open + 1, close), ppid };
}

/** /proc/<pid>/status → VmRSS in kB, or undefined (kernel threads have none). */
export function parseVmRSS(text: string): number | undefined {
  const at = text.indexOf('VmRSS:');
  if (at < 0) return undefined;
  let nl = text.indexOf('\n', at);
  if (nl < 0) nl = text.length;
  const v = leadingNumber(text, at + 6, nl);
  return v >= 0 ? v : undefined;
}

/** The digits after blanks at s[from, to), or -1. */
function leadingNumber(s: string, from: number, to: number): number {
  const m = /^[ \t]*(\d+)/.exec(s.slice(from, to));
  return m ? Number(m[1]) : -1;
}

export class HealthSampler extends WithDeps<HealthDeps> {
  sample_(): HealthEvent {
    const { host_: host, counters_: counters } = this.deps_;
    const root = this.deps_.procRoot_ ?? '/proc';
    const ev: HealthEvent = { type: 'health', ts: host.now(), sensor: this.deps_.sensor_ };
    // Each figure only when its /proc file reads and parses (containers and old kernels lack some).
    const put = <K extends keyof HealthEvent>(key: K, file: string, parse: (text: string) => HealthEvent[K] | undefined): void => {
      const text = this.read_(`${root}/${file}`);
      const v = text === undefined ? undefined : parse(text);
      if (v !== undefined) ev[key] = v;
    };
    put('uptime', 'uptime', parseUptime);
    const mem = this.read_(`${root}/meminfo`);
    if (mem !== undefined) {
      const m = parseMeminfo(mem);
      if (m.MemTotal !== undefined) ev.mem_total = m.MemTotal;
      if (m.MemAvailable !== undefined) ev.mem_available = m.MemAvailable;
    }
    put('load1', 'loadavg', parseLoadavg);
    put('ct_count', 'sys/net/netfilter/nf_conntrack_count', parseCount);
    put('ct_max', 'sys/net/netfilter/nf_conntrack_max', parseCount);
    this.processes_(root, ev);
    if (this.deps_.budgetKb_ !== undefined) ev.budget = this.deps_.budgetKb_;
    if (this.deps_.extra_) Object.assign(ev, this.deps_.extra_());
    const snap = counters.snapshot();
    ev.counters = snap.counters;
    ev.dropped = snap.dropped;
    return ev;
  }

  private processes_(root: string, ev: HealthEvent): void {
    let names: string[];
    try {
      names = this.deps_.host_.readdir(root);
    } catch {
      this.deps_.counters_.inc('health_proc_unreadable');
      return;
    }
    const self = this.deps_.host_.pid();
    const watched = this.deps_.watched_ ?? ['dnsmasq'];
    const parent = new Map<number, number>();
    const byName: Record<string, number[]> = newDict();
    for (const w of watched) byName[w] = [];
    let procs = 0;
    for (const name of names) {
      const c = name.charCodeAt(0);
      if (c < 48 || c > 57) continue;
      const pid = Number(name);
      if (!isInteger(pid)) continue;
      procs++;
      // a process may exit between readdir and this read: then it simply is not counted further
      const stat = this.read_(`${root}/${name}/stat`);
      const st = stat === undefined ? undefined : parseStat(stat);
      if (st === undefined) continue;
      parent.set(pid, st.ppid);
      const list = byName[st.comm];
      if (list !== undefined) list.push(pid);
    }
    ev.procs = procs;
    const selfRss = this.rss_(root, self);
    if (selfRss !== undefined) ev.agent_rss = selfRss;
    // descendants: walk each process's parent chain up to us (depth-capped against loops)
    const children = this.sumRss_(root, [...parent.keys()].filter((pid) => pid !== self && descendsFrom(pid, self, parent)));
    if (children !== undefined || parent.size > 0) ev.children_rss = children ?? 0;
    const w: Record<string, number> = {};
    let any = false;
    for (const name of watched) {
      const sum = this.sumRss_(root, byName[name]);
      if (sum !== undefined) {
        w[name] = sum;
        any = true;
      }
    }
    if (any) ev.watched = w;
  }

  /** The summed VmRSS of those of `pids` that have one; undefined when none has. */
  private sumRss_(root: string, pids: number[]): number | undefined {
    let sum: number | undefined;
    for (const pid of pids) {
      const r = this.rss_(root, pid);
      if (r !== undefined) sum = (sum ?? 0) + r;
    }
    return sum;
  }

  private rss_(root: string, pid: number): number | undefined {
    const s = this.read_(`${root}/${pid}/status`);
    return s === undefined ? undefined : parseVmRSS(s);
  }

  private read_(path: string): string | undefined {
    try {
      return this.deps_.host_.readText(path);
    } catch {
      return undefined;
    }
  }
}

function descendsFrom(pid: number, ancestor: number, parent: Map<number, number>): boolean {
  let p = parent.get(pid);
  for (let depth = 0; p !== undefined && p > 0 && depth < 64; depth++) {
    if (p === ancestor) return true;
    p = parent.get(p);
  }
  return false;
}
