// UTF-8 without TextEncoder/TextDecoder, which QuickJS lacks. Used by the MQTT codec (topics,
// client id, credentials), the CBOR codec and by the Buffer shim. Lone surrogates encode as U+FFFD, and invalid
// input decodes to U+FFFD per maximal subpart, like TextDecoder's replacement mode.
import { decodeUtf8, encodeUtf8 } from '../host/utf8';

/** Bytes `s` takes in UTF-8. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Writes `s` at `off`; returns the offset after it. The caller sized `buf` with utf8Length. */
export function utf8Write(s: string, buf: Uint8Array, off: number): number {
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
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
      const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
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
}

// One decoder and one whole-string encoder for the bundle: the host's (WHATWG replacement mode,
// the same results as the ones that used to live here).
export { decodeUtf8 as utf8Decode, encodeUtf8 as utf8Encode } from '../host/utf8';

/** True when buf[start, end) is well-formed UTF-8 (MQTT-1.5.3-1 requires it of strings). */
export function utf8Valid(buf: Uint8Array, start = 0, end = buf.length): boolean {
  return utf8DecodeStrict(buf, start, end) !== null;
}

/**
 * Decodes buf[start, end), or returns null when it is not well-formed UTF-8 (overlongs,
 * surrogates, truncated or stray bytes: RFC 3629 §3; CBOR text strings, RFC 8949 §3.1).
 */
export function utf8DecodeStrict(buf: Uint8Array, start = 0, end = buf.length): string | null {
  const s = decodeUtf8(buf, start, end);
  // A U+FFFD in the result is either a replaced error or a literal EF BF BD in the input: only
  // then re-encode and compare, the slow way.
  if (s.indexOf('\ufffd') < 0) return s;
  const re = encodeUtf8(s);
  if (re.length !== end - start) return null;
  for (let i = 0; i < re.length; i++) if (re[i] !== buf[start + i]) return null;
  return s;
}
