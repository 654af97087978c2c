// UTF-8 for engines without TextDecoder/TextEncoder (QuickJS). Decoding follows the WHATWG
// Encoding Standard (§4.1 "UTF-8 decoder", replacement mode): each maximal invalid subpart
// becomes one U+FFFD, so the result matches Node's TextDecoder byte for byte and never throws.
import { minOf } from '../compat/lang';

const CHUNK = 4096; // argument count per String.fromCharCode.apply call

/** UTF-16 code units of the text being decoded: flushed at CHUNK * 4, a pair added at most. */
let codes: Uint16Array | undefined;

/**
 * list[start, end) as characters (bytes: a Latin-1 string, one char per byte, so string
 * positions equal byte positions). One native call per CHUNK codes: in QuickJS this and string
 * search/slice are far cheaper than looking at bytes one by one in JS.
 */
export const latin1 = (list: Uint8Array | Uint16Array, start: number, end: number): string => {
  let out = '';
  for (let p = start; p < end; p += CHUNK) {
    out += String.fromCharCode.apply(null, list.subarray(p, minOf(end, p + CHUNK)) as unknown as number[]);
  }
  return out;
};

/** Decodes bytes[start, end) as UTF-8; malformed sequences become U+FFFD. */
export const decodeUtf8 = (bytes: Uint8Array, start = 0, end = bytes.length): string => {
  let i = start;
  // ASCII fast path: the common case for log lines, and one native call per CHUNK bytes.
  while (i < end && bytes[i] < 0x80) i++;
  if (i === end) return latin1(bytes, start, end);
  let out = latin1(bytes, start, i);
  const units = (codes ??= new Uint16Array(CHUNK * 4 + 2));
  let n = 0;
  let needed = 0; // continuation bytes the sequence needs
  let seen = 0; // and has
  let cp = 0;
  // The first continuation byte's range (later ones: 80..BF): narrower after E0 (no overlongs),
  // ED (no UTF-16 surrogates), F0 (no overlongs) and F4 (nothing above U+10FFFF).
  let lower = 0;
  let upper = 0;
  while (i < end) {
    const b = bytes[i];
    if (!needed) {
      i++;
      if (b < 0x80) units[n++] = b;
      else if (b < 0xc2 || b > 0xf4) units[n++] = 0xfffd;
      else {
        needed = b < 0xe0 ? 1 : b < 0xf0 ? 2 : 3;
        cp = b & (0x3f >> needed);
        lower = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
        upper = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
      }
    } else if (seen ? b >> 6 !== 2 : b < lower || b > upper) {
      // The byte is not consumed: it may start the next sequence.
      needed = seen = 0;
      units[n++] = 0xfffd;
    } else {
      i++;
      cp = (cp << 6) | (b & 0x3f);
      if (++seen === needed) {
        if (cp > 0xffff) {
          // a surrogate pair: 0xd800 + ((cp - 0x10000) >> 10), then 0xdc00 + the low 10 bits
          units[n++] = 0xd7c0 + (cp >> 10);
          units[n++] = 0xdc00 | (cp & 0x3ff);
        } else units[n++] = cp;
        needed = seen = 0;
      }
    }
    if (n >= CHUNK * 4) {
      out += latin1(units, 0, n);
      n = 0;
    }
  }
  if (needed) units[n++] = 0xfffd;
  out += latin1(units, 0, n);
  return out;
};

/** Bytes `s` takes in UTF-8: one a unit, more past U+007F, a surrogate pair 4 (a lone one 3, as U+FFFD). */
export const utf8Length = (s: string): number => {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    n += c < 0x800 ? 1 : 2;
    if (c >= 0xd800 && c <= 0xdbff && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++;
  }
  return n;
};

/** Writes `s` at `off`; returns the offset after it. The caller sized `buf` with utf8Length. */
export const utf8Write = (s: string, buf: Uint8Array, off: number): number => {
  // var, not let/const: qjs checks each read of a let/const local for its dead zone, and this
  // loop runs once a character (the CBOR and MQTT writers' text)
  var n = s.length, i, c, d;
  for (i = 0; i < n; i++) {
    c = s.charCodeAt(i);
    if (c < 0x80) {
      buf[off++] = c;
      continue;
    }
    if (c < 0x800) {
      buf[off++] = 0xc0 | (c >> 6);
      buf[off++] = 0x80 | (c & 63);
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      d = i + 1 < n ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && (d & 0xfc00) === 0xdc00) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
        buf[off++] = 0xf0 | (c >> 18);
        buf[off++] = 0x80 | ((c >> 12) & 63);
        buf[off++] = 0x80 | ((c >> 6) & 63);
        buf[off++] = 0x80 | (c & 63);
        continue;
      }
      c = 0xfffd;
    }
    buf[off++] = 0xe0 | (c >> 12);
    buf[off++] = 0x80 | ((c >> 6) & 63);
    buf[off++] = 0x80 | (c & 63);
  }
  return off;
};

/** Encodes a string as UTF-8; lone surrogates become U+FFFD (as TextEncoder does). */
export const encodeUtf8 = (s: string): Uint8Array => {
  const out = new Uint8Array(utf8Length(s));
  utf8Write(s, out, 0);
  return out;
};
