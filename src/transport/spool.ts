// The on-disk spool between the batcher and MQTT: one file per batch, written atomically, deleted
// only when the broker acknowledged it (QoS 1 PUBACK). It survives agent crashes and broker
// outages. Over its byte cap it drops whole batches: lowest stream priority first (alerts last),
// oldest first within a priority, each drop counted as spool_dropped_<stream>.
// Only an index (name, stream, size) lives in RAM; payloads are read from disk when shipped,
// because the spool may sit on a large USB stick.
//
// File names: <12-digit counter>-<stream>.nlb. The counter continues across restarts (max seen
// + 1), so sorting names sorts batches by arrival, which keeps order within every stream.
import type { Host } from '../host/types';
import type { Counters } from '../counters';
import { WithDeps, errorText } from '../compat/lang';

export interface SpoolEntry {
  id_: string;
  stream_: string;
  /** Bytes on disk. */
  size_: number;
  /** Read from disk at each access (the shipper reads it once per publish). */
  readonly payload_: Uint8Array;
}

export interface SpoolDeps {
  host_: Host;
  dir_: string;
  capBytes_: number;
  counters_: Counters;
  /** Higher is dropped later. Unknown streams count as 0. */
  priority_?: Record<string, number>;
}

/** Defaults: /tmp is RAM on a router, so the spool there is small; alerts are kept longest. */
export const DEFAULT_SPOOL_PRIORITY: Record<string, number> = {
  dns: 10, flow: 20, pdns: 30, health: 40, status: 40, alert: 100,
};

/** Stream names become part of file names and MQTT topics: keep them plain. */
export function validStream(s: string): boolean {
  return /^[a-z0-9_]{1,32}$/.test(s);
}

export class Spool extends WithDeps<SpoolDeps> {
  /** Oldest first. Acks come nearly in this order, so a search by id ends near the start. */
  private entries_: SpoolEntry[] = [];
  private total_ = 0;
  private counter_ = 0;

  /** Creates the directory and indexes what a previous run left (crash recovery). */
  open_(): void {
    const { host_: host, dir_: dir, counters_: counters } = this.deps_;
    host.mkdirp(dir);
    const found: SpoolEntry[] = [];
    for (const name of host.readdir(dir)) {
      const path = `${dir}/${name}`;
      if (name.indexOf('.tmp-') >= 0) {
        // A write that a crash interrupted before its rename: never acknowledged, never whole.
        this.tryRemove_(path);
        counters.inc('spool_temp_removed');
        continue;
      }
      const parsed = parseName(name);
      if (!parsed) continue; // not ours: leave it alone
      if (parsed.n >= this.counter_) this.counter_ = parsed.n + 1;
      const st = host.stat(path);
      if (!st || st.isDirectory) continue;
      if (st.size === 0) {
        this.tryRemove_(path);
        counters.drop(`spool_corrupt_${parsed.stream}`, 1, name);
        continue;
      }
      found.push(this.entry_(name, parsed.stream, st.size));
      this.total_ += st.size;
    }
    this.entries_ = found.sort((a, b) => (a.id_ < b.id_ ? -1 : 1)); // names are unique
    if (found.length) counters.inc('spool_recovered', found.length);
    this.enforceCap_();
  }

  /** Spools one batch; null when it could not be written (counted). */
  put_(stream: string, payload: Uint8Array): SpoolEntry | null {
    const { host_: host, dir_: dir, counters_: counters } = this.deps_;
    if (!validStream(stream)) {
      counters.drop('spool_bad_stream', 1, stream);
      return null;
    }
    const id = `${String(this.counter_++).padStart(12, '0')}-${stream}.nlb`;
    try {
      host.writeAtomic(`${dir}/${id}`, payload);
    } catch (e) {
      counters.drop(`spool_write_failed_${stream}`, 1, errorText(e));
      return null;
    }
    const entry = this.entry_(id, stream, payload.length);
    this.entries_.push(entry);
    this.total_ += payload.length;
    counters.inc('spool_put');
    this.enforceCap_();
    return this.entries_.includes(entry) ? entry : null;
  }

  /** Oldest first (and so in order within each stream). */
  pending_(): SpoolEntry[] {
    return this.entries_.slice();
  }

  /** The broker has it: delete. Unknown ids (already dropped) are ignored. */
  ack_(id: string): void {
    const e = this.entries_.find((x) => x.id_ === id);
    if (!e) return;
    this.removeEntry_(e);
    this.deps_.counters_.inc('spool_acked');
  }

  /** The payload of a spooled batch, from disk. */
  read_(id: string): Uint8Array {
    return this.deps_.host_.readBytes(`${this.deps_.dir_}/${id}`);
  }

  bytes_(): number {
    return this.total_;
  }

  count_(): number {
    return this.entries_.length;
  }

  private enforceCap_(): void {
    const prio = this.deps_.priority_ ?? DEFAULT_SPOOL_PRIORITY;
    while (this.total_ > this.deps_.capBytes_ && this.entries_.length > 0) {
      let victim = this.entries_[0];
      let best = prio[victim.stream_] ?? 0;
      for (let i = 1; i < this.entries_.length; i++) {
        const p = prio[this.entries_[i].stream_] ?? 0;
        if (p < best) {
          best = p;
          victim = this.entries_[i];
        }
      }
      this.removeEntry_(victim);
      this.deps_.counters_.drop(`spool_dropped_${victim.stream_}`, 1);
    }
  }

  private removeEntry_(e: SpoolEntry): void {
    this.tryRemove_(`${this.deps_.dir_}/${e.id_}`);
    this.entries_.splice(this.entries_.indexOf(e), 1); // always there: callers found it in entries_
    this.total_ -= e.size_;
  }

  private entry_(id_: string, stream_: string, size_: number): SpoolEntry {
    const spool = this;
    return { id_, stream_, size_, get payload_() { return spool.read_(id_); } };
  }

  private tryRemove_(path: string): void {
    try {
      this.deps_.host_.remove(path);
    } catch (e) {
      this.deps_.counters_.drop('spool_remove_failed', 1, errorText(e));
    }
  }
}

/** `<12 digits>-<stream>.nlb` (as put() names them), else null. */
function parseName(name: string): { n: number; stream: string } | null {
  const m = /^(\d{12})-([a-z0-9_]{1,32})\.nlb$/.exec(name);
  return m ? { n: Number(m[1]), stream: m[2] } : null;
}
