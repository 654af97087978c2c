// UTF-8 without TextEncoder/TextDecoder, which QuickJS lacks. Used by the MQTT codec (topics,
// client id, credentials) and by the Buffer shim. Lone surrogates encode as U+FFFD, and invalid
// input decodes to U+FFFD per maximal subpart, like TextDecoder's replacement mode.

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

export function utf8Encode(s: string): Uint8Array {
  const out = new Uint8Array(utf8Length(s));
  utf8Write(s, out, 0);
  return out;
}

/** Decodes buf[start, end). Pure ASCII (the common case) takes the short path. */
export function utf8Decode(buf: Uint8Array, start = 0, end = buf.length): string {
  let out = '';
  let i = start;
  while (i < end) {
    // ASCII runs in slices of up to 4096 code units to keep fromCharCode's argument list small.
    let j = i;
    while (j < end && buf[j] < 0x80 && j - i < 4096) j++;
    if (j > i) {
      out += String.fromCharCode.apply(null, buf.subarray(i, j) as unknown as number[]);
      i = j;
      continue;
    }
    const b = buf[i];
    let need = 0;
    let cp = 0;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      cp = b & 0x1f;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      cp = b & 0x0f;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      cp = b & 0x07;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else {
      out += '\ufffd';
      i++;
      continue;
    }
    let k = i + 1;
    let bad = false;
    for (let n = 0; n < need; n++, k++) {
      const x = k < end ? buf[k] : -1;
      if (x < lo || x > hi) {
        bad = true;
        break;
      }
      lo = 0x80;
      hi = 0xbf;
      cp = (cp << 6) | (x & 63);
    }
    if (bad) {
      out += '\ufffd';
      i = k;
      continue;
    }
    out += cp >= 0x10000
      ? String.fromCharCode(0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff))
      : String.fromCharCode(cp);
    i = k;
  }
  return out;
}

/** True when buf[start, end) is well-formed UTF-8 (MQTT-1.5.3-1 requires it of strings). */
export function utf8Valid(buf: Uint8Array, start = 0, end = buf.length): boolean {
  return utf8Decode(buf, start, end).indexOf('\ufffd') < 0 || utf8HasRealReplacement(buf, start, end);
}

// A literal U+FFFD (EF BF BD) in the input is valid; only then re-check the slow way.
function utf8HasRealReplacement(buf: Uint8Array, start: number, end: number): boolean {
  const s = utf8Decode(buf, start, end);
  const re = utf8Encode(s);
  if (re.length !== end - start) return false;
  for (let i = 0; i < re.length; i++) if (re[i] !== buf[start + i]) return false;
  return true;
}
