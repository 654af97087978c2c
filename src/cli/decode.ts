// `netledger decode`: wire batches back to the NDJSON of events.md, the same lines `replay`
// prints. Input is either a file of raw batches — a CBOR sequence (RFC 8742), i.e. batches
// back to back, which is also what a single saved MQTT payload is — or, with --hex, lines of
// hex payloads such as `mosquitto_sub -F %x` prints (the last space-separated word of a line is
// taken, so `-F '%t %x'` works too).
// Exit status: 0 when every input decoded; 1 when any batch or line was bad (the good ones are
// still printed); 2 for usage errors. A summary goes to stderr, with duplicates and sequence
// gaps per (sensor, boot, stream).
import type { Command } from './command';
import { UsageError } from './args';
import { CborReader, fromHex } from '../codec/cbor';
import { decodeBatch, decodeBatchAt, type DecodedBatch } from '../codec/batch';
import { toJson, errorText } from '../compat/lang';

const MAX_REPORTED = 10;

export const decodeCommand: Command = {
  name_: 'decode',
  summary_: 'turn wire batches back into NDJSON events',
  usage_: '[FILE] [--hex] [--dedupe]',
  options_: {
    hex: '-read hex-encoded payloads, one per line (stdin, or FILE)',
    dedupe: '-drop repeated batches (same sensor, boot, stream, seq)',
    quiet: '-no summary on stderr',
  },
  async run_(host, args) {
    await null; // a throw before the first await would kill qjs (see src/reject-later.ts)
    const [file, extra] = args.positional_;
    if (extra !== undefined) throw new UsageError('at most one FILE');
    const { hex, dedupe } = args.options_;
    if (!hex && (file === undefined || file === '-')) throw new UsageError('raw batches are read from a FILE; use --hex for stdin');
    let batches = 0;
    let events = 0;
    let bad = 0;
    let duplicates = 0;
    // The seqs seen per 'sensor/boot/stream'.
    const seen = new Map<string, Set<number>>();
    const problems: string[] = [];
    const problem = (what: string) => {
      if (bad++ < MAX_REPORTED) problems.push(what);
    };
    const print = (b: DecodedBatch) => {
      const key = `${b.sensor}/${b.boot}/${b.stream}`;
      const s = seen.get(key) ?? new Set();
      seen.set(key, s);
      if (s.has(b.seq)) {
        duplicates++;
        if (dedupe) return;
      }
      s.add(b.seq);
      batches++;
      events += b.events.length;
      let out = '';
      for (const ev of b.events) out += toJson(ev) + '\n';
      if (out) host.writeStdout(out);
    };

    if (hex) {
      const lines = host.openLines(file ?? '-');
      try {
        for (let n = 1, raw; (raw = lines.next()) !== null; n++) {
          const line = raw.trim();
          if (line === '') continue;
          try {
            const bytes = fromHex(line.slice(line.lastIndexOf(' ') + 1));
            if (!bytes) throw new Error('not hex');
            print(decodeBatch(bytes));
          } catch (e) {
            problem(`line ${n}: ${errorText(e)}`);
          }
        }
      } finally {
        lines.close();
      }
    } else {
      const r = new CborReader(host.readBytes(file as string));
      // A CBOR sequence cannot be resynchronised after a bad item: stop at the first one.
      while (!r.done_()) {
        const at = r.pos_;
        try {
          print(decodeBatchAt(r));
        } catch (e) {
          problem(`batch at byte ${at}: ${errorText(e)}`);
          break;
        }
      }
    }

    if (!args.options_.quiet) {
      let s = `decode: ${batches} batches, ${events} events`;
      if (duplicates) s += `, ${duplicates} duplicate batches${dedupe ? ' dropped' : ''}`;
      if (bad) s += `, ${bad} bad inputs`;
      s += '\n';
      for (const p of problems) s += `  ${p}\n`;
      if (bad > problems.length) s += `  ... and ${bad - problems.length} more\n`;
      // "gap sensor/boot/stream: missing 3-5, 9" per stream with holes between its lowest and highest seq.
      for (const [key, set] of seen) {
        const seqs = [...set].sort((a, b) => a - b);
        const holes: string[] = [];
        for (let i = 1; i < seqs.length; i++) {
          const from = seqs[i - 1] + 1;
          const to = seqs[i] - 1;
          if (from <= to) holes.push(from === to ? `${from}` : `${from}-${to}`);
        }
        if (holes.length) s += `  gap ${key}: missing ${holes.join(', ')}\n`;
      }
      host.writeStderr(s);
    }
    return bad ? 1 : 0;
  },
};
