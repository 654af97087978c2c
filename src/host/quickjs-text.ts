// Bytes to text at native speed under QuickJS, which has no TextDecoder. Turning a read chunk into
// a string in JS costs ~127 instructions a byte (String.fromCharCode over a typed array) plus ~200
// for a regular expression that looks for non-ASCII bytes: ~70,000 a 215-byte conntrack line
// before any parsing. std.loadFile() reads a file into a string in C (~5 a byte). So a chunk is
// written to a private scratch file and loaded back; with lines split by split('\n') (a C scan,
// where indexOf compares at every position) a line costs ~5,000 to read, getline's ~15,000
// (figures in docs/performance.md, session 5).
import * as std from 'std';
import * as os from 'os';
import type { AsciiText } from './lines';

/**
 * An AsciiText over a scratch file in the first of `dirs` mounted in RAM, made at the first call
 * and unlinked at once, so nothing is left behind whatever ends the process. Where none can be
 * made or reopened (no RAM filesystem, no /proc) it answers null from then on, and the callers
 * decode in JS. One per process: decoding is synchronous.
 */
export const scratchText = (dirs: string[]): AsciiText => {
  var path: string | null | undefined;
  return (bytes, start, end) => {
    if (path === undefined) path = openScratch(dirs);
    if (path === null) return null;
    var len = end - start;
    // O_TRUNC on a fresh open empties it for each chunk (QuickJS has no ftruncate)
    var w = os.open(path, os.O_WRONLY | os.O_TRUNC);
    if (w < 0) return (path = null);
    var n = os.write(w, bytes.buffer as ArrayBuffer, bytes.byteOffset + start, len);
    os.close(w);
    if (n !== len) return null; // a full /tmp: the JS way this time
    var text = std.loadFile(path);
    // Only pure ASCII is answered, so a character is a byte. A byte >= 0x80 either joins others
    // into one character (the length shrinks) or, invalid, becomes U+FFFD, which replace() finds
    // with a C scan (at once in a string of 8-bit characters).
    return text !== null && text.length === len && text.replace('\ufffd', '').length === len ? text : null;
  };
};

/**
 * The /proc link that reopens a new unlinked file in the first of dirs that is a tmpfs mount, or
 * null. Never on a disk or flash: a chunk is truncated and written for every read (measured on an
 * ext4 /tmp: +1.3 s of system time for a 1M-line replay, which takes 3.5 s on tmpfs; on a router's
 * flash it would wear it).
 */
const openScratch = (dirs: string[]): string | null => {
  var f = std.open('/proc/self/mounts', 'r');
  if (f === null) return null;
  var mounts = f.readAsString(); // DEVICE MOUNTPOINT TYPE OPTIONS 0 0, a line each
  f.close();
  for (var dir of dirs) {
    if (!mounts.includes(` ${dir} tmpfs `)) continue;
    // O_EXCL: never write through a name somebody else made (a link planted in /tmp); the name
    // is gone a moment later, so a clash means exactly that
    var name = `${dir}/.netledger-text-${os.getpid()}`;
    var fd = os.open(name, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600);
    if (fd < 0) return null;
    os.remove(name);
    return `/proc/self/fd/${fd}`;
  }
  return null;
};
