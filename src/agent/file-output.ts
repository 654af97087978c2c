// The local NDJSON file: appended, and moved to <file>.1 past maxBytes so a file on /tmp (RAM)
// cannot grow without bound. '-' writes to standard output.
import type { Host } from '../host/types';
import type { Counters } from '../counters';
import { errorText } from '../compat/lang';

export class FileOutput {
  private size_ = -1;

  private readonly deps_: { host: Host; path: string; maxBytes: number; counters: Counters };

  constructor(deps_: { host: Host; path: string; maxBytes: number; counters: Counters }) {
    this.deps_ = deps_;
  }

  write_(text: string): void {
    const { host, path, maxBytes, counters } = this.deps_;
    if (path === '-') {
      host.writeStdout(text);
      return;
    }
    try {
      if (this.size_ < 0) this.size_ = host.stat(path)?.size ?? 0;
      if (maxBytes > 0 && this.size_ > 0 && this.size_ + text.length > maxBytes) {
        host.rename(path, path + '.1');
        this.size_ = 0;
        counters.inc('output_rotations');
      }
      host.appendText(path, text);
      this.size_ += text.length;
    } catch (e) {
      counters.drop('output_write_failed', 1, errorText(e));
      this.size_ = -1;
    }
  }

  /** After an outside rotation: size is read again on the next write. */
  reopen_(): void {
    this.size_ = -1;
  }
}
