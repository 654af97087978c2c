// `netledger decode`: wire batches back to the NDJSON of events.md, the same lines `replay`
// prints. Input is either a file of raw batches — a CBOR sequence (RFC 8742), i.e. batches
// back to back, which is also what a single saved MQTT payload is — or, with --hex, lines of
// hex payloads such as `mosquitto_sub -F %x` prints (the last space-separated word of a line is
// taken, so `-F '%t %x'` works too).
// Exit status: 0 when every input decoded; 1 when any batch or line was bad (the good ones are
// still printed); 2 for usage errors. A summary goes to stderr.
import type { Host } from '../host/types';
import type { Command } from './command';
import { parseArgs, optionHelp, UsageError, HELP_OPTION, flagOption, type OptionSpecs } from './args';
import { CborReader, fromHex } from '../codec/cbor';
import { decodeBatch, decodeBatchAt, type DecodedBatch } from '../codec/batch';
import { toJson } from '../compat/lang';

const OPTIONS: OptionSpecs = {
  hex: flagOption('read hex-encoded payloads, one per line (stdin, or FILE)'),
  dedupe: flagOption('drop repeated batches (same sensor, boot, stream, seq)'),
  quiet: flagOption('no summary on stderr'),
  help: HELP_OPTION,
};

const MAX_REPORTED = 10;

/** Tracks what was decoded: duplicates and sequence gaps per (sensor, boot, stream). */
class Ledger {
  batches_ = 0;
  events_ = 0;
  bad_ = 0;
  duplicates_ = 0;
  private seen_ = new Map<string, Set<number>>();

  /** false when the batch is a duplicate (and `dedupe` asks to drop it). */
  admit_(b: DecodedBatch, dedupe: boolean): boolean {
    const key = `${b.sensor}/${b.boot}/${b.stream}`;
    let s = this.seen_.get(key);
    if (!s) {
      s = new Set();
      this.seen_.set(key, s);
    }
    if (s.has(b.seq)) {
      this.duplicates_++;
      if (dedupe) return false;
    }
    s.add(b.seq);
    return true;
  }

  /** "sensor/boot/stream: missing 3-5, 9" per stream with holes between its lowest and highest seq. */
  gaps_(): string[] {
    const out: string[] = [];
    for (const [key, s] of this.seen_) {
      const seqs = [...s].sort((a, b) => a - b);
      const holes: string[] = [];
      for (let i = 1; i < seqs.length; i++) {
        const from = seqs[i - 1] + 1;
        const to = seqs[i] - 1;
        if (from <= to) holes.push(from === to ? `${from}` : `${from}-${to}`);
      }
      if (holes.length) out.push(`${key}: missing ${holes.join(', ')}`);
    }
    return out;
  }
}

export const decodeCommand: Command = {
  name_: 'decode',
  summary_: 'turn wire batches back into NDJSON events',
  async run_(host: Host, argv: string[]): Promise<number> {
    // qjs 2025-04-26 exits on a promise rejected before its awaiter attached a handler, which
    // is what a throw before the first await does: yield once so runCli's catch is in place.
    await null;
    const args = parseArgs(argv, OPTIONS);
    if (args.options_.help) {
      host.writeStdout(`usage: netledger decode [FILE] [--hex] [--dedupe]\n\n${optionHelp(OPTIONS)}\n`);
      return 0;
    }
    if (args.positional_.length > 1) throw new UsageError('at most one FILE');
    const file = args.positional_[0];
    const hex = args.options_.hex === true;
    const dedupe = args.options_.dedupe === true;
    if (!hex && (file === undefined || file === '-')) throw new UsageError('raw batches are read from a FILE; use --hex for stdin');
    const ledger = new Ledger();
    const problems: string[] = [];
    const problem = (what: string) => {
      ledger.bad_++;
      if (problems.length < MAX_REPORTED) problems.push(what);
    };
    const print = (b: DecodedBatch) => {
      if (!ledger.admit_(b, dedupe)) return;
      ledger.batches_++;
      ledger.events_ += b.events.length;
      let out = '';
      for (const ev of b.events) out += toJson(ev) + '\n';
      if (out) host.writeStdout(out);
    };

    if (hex) {
      const lines = host.openLines(file ?? '-');
      try {
        for (let n = 1; ; n++) {
          const raw = lines.next();
          if (raw === null) break;
          const line = raw.trim();
          if (line === '') continue;
          const sp = line.lastIndexOf(' ');
          const bytes = fromHex(sp < 0 ? line : line.slice(sp + 1));
          if (!bytes) {
            problem(`line ${n}: not hex`);
            continue;
          }
          try {
            print(decodeBatch(bytes));
          } catch (e) {
            problem(`line ${n}: ${(e as Error).message}`);
          }
        }
      } finally {
        lines.close();
      }
    } else {
      const bytes = host.readBytes(file as string);
      const r = new CborReader(bytes);
      // A CBOR sequence cannot be resynchronised after a bad item: stop at the first one.
      while (!r.done_()) {
        const at = r.pos_;
        try {
          print(decodeBatchAt(r));
        } catch (e) {
          problem(`batch at byte ${at}: ${(e as Error).message}`);
          break;
        }
      }
    }

    if (!args.options_.quiet) {
      let s = `decode: ${ledger.batches_} batches, ${ledger.events_} events`;
      if (ledger.duplicates_) s += `, ${ledger.duplicates_} duplicate batches${dedupe ? ' dropped' : ''}`;
      if (ledger.bad_) s += `, ${ledger.bad_} bad inputs`;
      s += '\n';
      for (const p of problems) s += `  ${p}\n`;
      if (ledger.bad_ > problems.length) s += `  ... and ${ledger.bad_ - problems.length} more\n`;
      for (const g of ledger.gaps_()) s += `  gap ${g}\n`;
      host.writeStderr(s);
    }
    return ledger.bad_ ? 1 : 0;
  },
};
