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
import { errorText } from '../compat/lang';

export interface SpoolEntry {
  id_: string;
  stream_: string;
  /** Bytes on disk. */
  size_: number;
  /** Read from disk at each access (the shipper reads it once per publish). */
  readonly payload_: Uint8Array;
}

/** The spool config section's dir and max_bytes (the cap) as they are. */
export interface SpoolDeps {
  host_: Host;
  dir: string;
  max_bytes: number;
  counters_: Counters;
  /** Higher is dropped later. Unknown streams count as 0. */
  priority_?: Record<string, number>;
}

/** Defaults: /tmp is RAM on a router, so the spool there is small; alerts are kept longest. */
export const DEFAULT_SPOOL_PRIORITY: Record<string, number> = {
  dns: 10, flow: 20, pdns: 30, health: 40, status: 40, alert: 100,
};

export type Spool = ReturnType<typeof spool>;

/** The spool: one closure over its index (locals are shorter in the bundle than fields). */
export const spool = ({ host_: host, dir, max_bytes: cap, counters_: counters, priority_: prio = DEFAULT_SPOOL_PRIORITY }: SpoolDeps) => {
  /** Oldest first. Acks come nearly in this order, so a search by id ends near the start. */
  let entries: SpoolEntry[] = [];
  let total = 0;
  let counter = 0;

  /** The payload of a spooled batch, from disk. */
  const read = (id: string): Uint8Array => host.readBytes(`${dir}/${id}`);

  const entry = (id_: string, stream_: string, size_: number): SpoolEntry =>
    ({ id_, stream_, size_, get payload_() { return read(id_); } });

  const tryRemove = (path: string): void => {
    try {
      host.remove(path);
    } catch (e) {
      counters.drop('spool_remove_failed', 1, errorText(e));
    }
  };

  const remove = (e: SpoolEntry): void => {
    tryRemove(`${dir}/${e.id_}`);
    entries.splice(entries.indexOf(e), 1); // always there: callers found it in entries
    total -= e.size_;
  };

  const enforceCap = (): void => {
    while (total > cap && entries.length) {
      let victim = entries[0];
      let best = prio[victim.stream_] ?? 0;
      for (const e of entries) {
        const p = prio[e.stream_] ?? 0;
        if (p < best) {
          best = p;
          victim = e;
        }
      }
      remove(victim);
      counters.drop(`spool_dropped_${victim.stream_}`, 1);
    }
  };

  return {
    /** Creates the directory and indexes what a previous run left (crash recovery). */
    open_(): void {
      host.mkdirp(dir);
      const found: SpoolEntry[] = [];
      for (const name of host.readdir(dir)) {
        const path = `${dir}/${name}`;
        if (name.indexOf('.tmp-') >= 0) {
          // A write that a crash interrupted before its rename: never acknowledged, never whole.
          tryRemove(path);
          counters.inc('spool_temp_removed');
          continue;
        }
        const parsed = parseName(name);
        if (!parsed) continue; // not ours: leave it alone
        const n = +parsed[1];
        if (n >= counter) counter = n + 1;
        const st = host.stat(path);
        if (!st || st.isDirectory) continue;
        if (!st.size) {
          tryRemove(path);
          counters.drop(`spool_corrupt_${parsed[2]}`, 1, name);
          continue;
        }
        found.push(entry(name, parsed[2], st.size));
        total += st.size;
      }
      entries = found.sort((a, b) => (a.id_ < b.id_ ? -1 : 1)); // names are unique
      if (found.length) counters.inc('spool_recovered', found.length);
      enforceCap();
    },

    /** Spools one batch; null when it could not be written (counted). */
    put_(stream: string, payload: Uint8Array): SpoolEntry | null {
      const id = `${String(counter).padStart(12, '0')}-${stream}.nlb`;
      // Stream names become part of file names and MQTT topics: plain ones only.
      if (!parseName(id)) {
        counters.drop('spool_bad_stream', 1, stream);
        return null;
      }
      counter++;
      try {
        host.writeAtomic(`${dir}/${id}`, payload);
      } catch (e) {
        counters.drop(`spool_write_failed_${stream}`, 1, errorText(e));
        return null;
      }
      const e = entry(id, stream, payload.length);
      entries.push(e);
      total += payload.length;
      counters.inc('spool_put');
      enforceCap();
      return entries.includes(e) ? e : null;
    },

    /** Oldest first (and so in order within each stream). */
    pending_: (): SpoolEntry[] => entries.slice(),

    /** The broker has it: delete. Unknown ids (already dropped) are ignored. */
    ack_(id: string): void {
      const e = entries.find((x) => x.id_ === id);
      if (e) {
        remove(e);
        counters.inc('spool_acked');
      }
    },

    bytes_: (): number => total,
    count_: (): number => entries.length,
  };
};

/** `<12 digits>-<stream>.nlb` (as put() names them): [, counter, stream], else null. */
const parseName = (name: string): RegExpExecArray | null => /^(\d{12})-([a-z0-9_]{1,32})\.nlb$/.exec(name);
