// The local NDJSON file: appended, and moved to <file>.1 past maxBytes so a file on /tmp (RAM)
// cannot grow without bound. '-' writes to standard output.
import type { Host } from '../host/types';
import type { Counters } from '../counters';
import { errorText } from '../compat/lang';

export type FileOutput = ReturnType<typeof fileOutput>;

/** The output section's file and max_bytes as they are (the agent spreads the section in). */
export function fileOutput({ host, counters, file: path, max_bytes: maxBytes }: { host: Host; counters: Counters; file: string; max_bytes: number }) {
  let size = -1; // unknown: read at the next write
  return {
    write_(text: string): void {
      if (path === '-') return host.writeStdout(text);
      try {
        if (size < 0) size = host.stat(path)?.size ?? 0;
        if (maxBytes > 0 && size > 0 && size + text.length > maxBytes) {
          host.rename(path, path + '.1');
          size = 0;
          counters.inc('output_rotations');
        }
        host.appendText(path, text);
        size += text.length;
      } catch (e) {
        counters.drop('output_write_failed', 1, errorText(e));
        size = -1;
      }
    },
    /** After an outside rotation: size is read again on the next write. */
    reopen_(): void {
      size = -1;
    },
  };
}
