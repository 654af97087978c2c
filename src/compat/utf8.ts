// UTF-8 without TextEncoder/TextDecoder, which QuickJS lacks. Used by the MQTT codec (topics,
// client id, credentials), the CBOR codec and by the Buffer shim. Lone surrogates encode as U+FFFD, and invalid
// input decodes to U+FFFD per maximal subpart, like TextDecoder's replacement mode.
import { decodeUtf8, encodeUtf8 } from '../host/utf8';

// One UTF-8 implementation for the bundle: the host's (WHATWG replacement mode, the same results
// as the ones that used to live here).
export { utf8Length, utf8Write, decodeUtf8 as utf8Decode, encodeUtf8 as utf8Encode } from '../host/utf8';

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
  return re.length === end - start && re.every((b, i) => b === buf[start + i]) ? s : null;
}
