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
import { cborReader, fromHex } from '../codec/cbor';
import { decodeBatch, decodeBatchAt, type DecodedBatch } from '../codec/batch';
import { toJson, errorText } from '../compat/lang';

const MAX_REPORTED = 10;

const fail = (what: string): never => {
  throw new Error(what);
};

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
    /** Decodes one input (`where` names it in the report); false when it was bad. */
    const print = (where: string, decode: () => DecodedBatch): boolean => {
      let b: DecodedBatch;
      const report = (e: unknown): false => {
        if (bad++ < MAX_REPORTED) problems.push(`  ${where}: ${errorText(e)}\n`);
        return false;
      };
      try {
        b = decode();
      } catch (e) {
        return report(e);
      }
      const key = `${b.sensor}/${b.boot}/${b.stream}`;
      const s = seen.get(key) ?? new Set();
      seen.set(key, s);
      if (s.has(b.seq)) {
        duplicates++;
        if (dedupe) return true;
      }
      s.add(b.seq);
      // Written in pieces: shared strings and lists let a batch's text be far larger than the
      // batch. An event too large for one string is reported like a bad batch (after the lines
      // before it), not the end of the run.
      let out = '';
      for (const ev of b.events) {
        try {
          out += toJson(ev) + '\n';
        } catch (e) {
          host.writeStdout(out);
          return report(e);
        }
        if (out.length > 65536) {
          host.writeStdout(out);
          out = '';
        }
      }
      if (out) host.writeStdout(out);
      batches++;
      events += b.events.length;
      return true;
    };

    if (hex) {
      const lines = host.openLines(file ?? '-');
      try {
        for (let n = 1, raw; (raw = lines.next()) !== null; n++) {
          const line = raw.trim();
          if (line) {
            print(`line ${n}`, () => decodeBatch(fromHex(line.slice(line.lastIndexOf(' ') + 1)) ?? fail('not hex')));
          }
        }
      } finally {
        lines.close();
      }
    } else {
      const r = cborReader(host.readBytes(file as string));
      // A CBOR sequence cannot be resynchronised after a bad item: stop at the first one.
      for (let at = 0; !r.done_() && print(`batch at byte ${at}`, () => decodeBatchAt(r)); ) at = r.pos_();
    }

    if (!args.options_.quiet) {
      let s = `decode: ${batches} batches, ${events} events${duplicates ? `, ${duplicates} duplicate batches${dedupe ? ' dropped' : ''}` : ''}${bad ? `, ${bad} bad inputs` : ''}\n${problems.join('')}`;
      if (bad > MAX_REPORTED) s += `  ... and ${bad - MAX_REPORTED} more\n`;
      // "gap sensor/boot/stream: missing 3-5, 9" per stream with holes between its lowest and highest seq.
      for (const [key, set] of seen) {
        const seqs = [...set].sort((a, b) => a - b);
        let holes = '';
        // (the first seq has no predecessor: NaN, no hole)
        seqs.forEach((q, i) => {
          const from = seqs[i - 1] + 1;
          if (q > from) holes += `, ${from}${q - 1 > from ? `-${q - 1}` : ''}`;
        });
        if (holes) s += `  gap ${key}: missing ${holes.slice(2)}\n`;
      }
      host.writeStderr(s);
    }
    return bad ? 1 : 0;
  },
};
