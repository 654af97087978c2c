// IP address parsing, canonical text form and a CIDR set, without regular expressions (hot path
// under qjs). IPv4 is one uint32; IPv6 is four uint32 words, most significant first.
// Canonical IPv6 text follows glibc's inet_ntop (what conntrack, dnsmasq and odhcpd print):
// lowercase, no leading zeros, the longest run of >= 2 zero words as '::' (first on a tie),
// '::ffff:a.b.c.d' and '::a.b.c.d' for mapped/compatible addresses. RFC 5952 §4 agrees on all
// but the '::a.b.c.d' form, which only inet_ntop keeps.

/** IPv4 text to uint32, or -1 when it is not a dotted quad. */
// var locals: qjs checks every read of a let/const local for its dead zone
export function parseIPv4(s: string, start = 0, end = s.length): number {
  var value = 0;
  var part = 0;
  var digits = 0;
  var dots = 0;
  for (var i = start; i < end; i++) {
    var c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      // a leading zero followed by more digits is ambiguous (octal in inet_aton): reject
      if (digits === 1 && part === 0) return -1;
      part = part * 10 + (c - 48);
      if (part > 255) return -1;
      digits++;
    } else if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else {
      return -1;
    }
  }
  if (digits === 0 || dots !== 3) return -1;
  return value * 256 + part;
}

/** The value of a hex digit (either case), or -1. */
export function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** parseIPv6's groups as read, before the '::' gap is opened (one array for every call) */
const G = [0, 0, 0, 0, 0, 0, 0, 0];

/**
 * IPv6 text to four uint32 words, or null. Accepts '::', an embedded IPv4 tail and a zone
 * ('%eth0', ignored). Writes into `out` when given, to spare an allocation.
 */
// var locals, no arrays made and hex digits read in place: with a groups array, let/const (qjs
// checks their dead zone on every read) and a call per digit, a call cost ~55k instructions
export function parseIPv6(s: string, out?: number[]): number[] | null {
  var end = s.indexOf('%');
  if (end < 0) end = s.length;
  var n = 0; // groups read
  var gap = -1; // index in the groups where '::' stands
  var i = 0;
  if (end >= 2 && s.charCodeAt(0) === 58 && s.charCodeAt(1) === 58) {
    gap = 0;
    i = 2;
    if (end === 2) return fill(n, gap, out);
  } else if (end > 0 && s.charCodeAt(0) === 58) {
    return null;
  }
  while (i < end) {
    // one group: hex digits up to ':' or end, or an IPv4 tail
    var v = 0;
    var d = 0;
    var j = i;
    for (; j < end; j++) {
      var c = s.charCodeAt(j);
      if (c === 58) break;
      if (c === 46) {
        // IPv4 tail: must be last and leave room for two words
        var v4 = parseIPv4(s, i, end);
        if (v4 < 0 || n > 6) return null;
        G[n] = Math.floor(v4 / 65536);
        G[n + 1] = v4 % 65536;
        return fill(n + 2, gap, out);
      }
      if (c >= 48 && c <= 57) c -= 48;
      else if (c >= 97 && c <= 102) c -= 87;
      else if (c >= 65 && c <= 70) c -= 55;
      else return null;
      if (d === 4) return null;
      v = v * 16 + c;
      d++;
    }
    if (d === 0 || n === 8) return null;
    G[n++] = v;
    if (j === end) break;
    // at ':'
    if (j + 1 < end && s.charCodeAt(j + 1) === 58) {
      if (gap >= 0) return null;
      gap = n;
      i = j + 2;
    } else {
      if (j + 1 === end) return null; // trailing single ':'
      i = j + 1;
    }
  }
  return fill(n, gap, out);
}

/** The words of G's `n` groups, '::' opened at `gap` (-1: none). */
function fill(n: number, gap: number, out?: number[]): number[] | null {
  if (gap < 0 ? n !== 8 : n > 7) return null;
  var words = out ?? [0, 0, 0, 0];
  var k = 7;
  if (gap >= 0) {
    // the groups after the gap move to the end, the gap fills with zeros
    var shift = 8 - n;
    for (; k >= gap + shift; k--) G[k] = G[k - shift];
    for (; k >= gap; k--) G[k] = 0;
  }
  for (k = 0; k < 4; k++) words[k] = G[2 * k] * 65536 + G[2 * k + 1];
  return words;
}

export function formatIPv4(v: number): string {
  return `${Math.floor(v / 16777216) % 256}.${Math.floor(v / 65536) % 256}.${Math.floor(v / 256) % 256}.${v % 256}`;
}

/**
 * Four words back to inet_ntop text; with `dotted` false, mapped and compatible addresses are
 * hex too (RFC 5952 §4 without §5, as the batch string table needs).
 */
export function formatIPv6(w: number[], dotted = true): string {
  // var locals (qjs checks every read of a let/const local for its dead zone); group k is the
  // high or low half of word k >> 1, read in place (no array of groups)
  // the longest run of two or more zero groups, the first on a tie, becomes '::'
  var best = -1;
  var bestLen = 1;
  var run = 0;
  var k: number;
  for (k = 0; k < 8; k++) {
    if (k & 1 ? w[k >> 1] % 65536 === 0 : w[k >> 1] < 65536) {
      if (++run > bestLen) {
        bestLen = run;
        best = k - run + 1;
      }
    } else run = 0;
  }
  // ::a.b.c.d and ::ffff:a.b.c.d (groups 0-5 zero; 0-4 zero and 5 ffff)
  if (dotted && best === 0 && (bestLen === 6 || (bestLen === 5 && w[2] === 0xffff))) {
    return (bestLen === 5 ? '::ffff:' : '::') + formatIPv4(w[3]);
  }
  var out = '';
  var sep = '';
  for (k = 0; k < 8; k++) {
    if (k === best) {
      out += '::';
      sep = '';
      k += bestLen - 1;
    } else {
      out += sep + (k & 1 ? w[k >> 1] % 65536 : Math.floor(w[k >> 1] / 65536)).toString(16);
      sep = ':';
    }
  }
  return out;
}

/**
 * Canonical text of an address (IPv4 as is, IPv6 as inet_ntop prints it), or undefined when the
 * text is not an address. The common case — already canonical — allocates nothing new.
 */
export function normalizeIp(ip: string): string | undefined {
  if (ip.indexOf(':') < 0) return parseIPv4(ip) >= 0 ? ip : undefined;
  const w = parseIPv6(ip);
  if (!w) return undefined;
  const text = formatIPv6(w);
  return text === ip ? ip : text;
}

function maskWord(word: number, bits: number): number {
  if (bits >= 32) return word;
  if (bits <= 0) return 0;
  const size = 2 ** (32 - bits);
  return word - (word % size);
}

/**
 * A set of CIDR prefixes (and single addresses) matched cheaply: entries are grouped by prefix
 * length, so `has` costs one masked Map lookup per distinct length, whatever the set's size —
 * fit for thousands of IOC prefixes as well as a handful of LAN ranges.
 */
const MEMO_MAX = 4096;

export class CidrSet {
  // per prefix length: masked prefix -> what add() was given for it (true when nothing)
  private readonly v4_ = new Map<number, Map<number, unknown>>();
  private readonly v6_ = new Map<number, Map<string, unknown>>();
  private v4Lens_: number[] = [];
  private v6Lens_: number[] = [];
  private readonly scratch_ = [0, 0, 0, 0];
  private readonly memo_ = new Map<string, boolean>();

  private readonly memoMax_: number;

  /** `memoMax`: addresses remembered by `has` (~100 bytes each); size it to how many repeat. */
  constructor(memoMax_ = MEMO_MAX) {
    this.memoMax_ = memoMax_;
  }

  /**
   * Adds 'a.b.c.d/n', 'x::/n' or a bare address; false (nothing added) when it is not valid.
   * `tag` is what find_() returns for it (the first one given, when a prefix is added twice).
   */
  add(cidr: string, tag: unknown = true): boolean {
    this.memo_.clear();
    const slash = cidr.indexOf('/');
    const addr = slash < 0 ? cidr : cidr.slice(0, slash);
    let bits = -1;
    if (slash >= 0) {
      const t = cidr.slice(slash + 1);
      if (t === '' || t.length > 3) return false;
      bits = 0;
      for (let i = 0; i < t.length; i++) {
        const c = t.charCodeAt(i);
        if (c < 48 || c > 57) return false;
        bits = bits * 10 + (c - 48);
      }
    }
    // one path for both families: the v4 key is the masked word, the v6 one v6Key's text
    const v6 = addr.indexOf(':') >= 0;
    const v4 = v6 ? 0 : parseIPv4(addr);
    const w = v6 ? parseIPv6(addr) : null;
    const max = v6 ? 128 : 32;
    if (v4 < 0 || (v6 && !w)) return false;
    if (bits < 0) bits = max;
    if (bits > max) return false;
    const map = (v6 ? this.v6_ : this.v4_) as Map<number, Map<number | string, unknown>>;
    let set = map.get(bits);
    if (!set) {
      map.set(bits, (set = new Map()));
      const lens = [...map.keys()].sort((a, b) => b - a);
      if (v6) this.v6Lens_ = lens;
      else this.v4Lens_ = lens;
    }
    const key = w ? v6Key(w, bits) : maskWord(v4, bits);
    if (!set.has(key)) set.set(key, tag);
    return true;
  }

  /** The tag of the longest prefix holding `ip`, or undefined (no memo: for hits, not per flow). */
  find_(ip: string): unknown {
    const v6 = ip.indexOf(':') >= 0;
    return this.findParsed_(v6 ? -1 : parseIPv4(ip), v6 ? parseIPv6(ip, this.scratch_) : null);
  }

  has(ip: string): boolean {
    // Flows repeat their addresses: a memo spares parsing text (~20k instructions in qjs).
    let hit = this.memo_.get(ip);
    if (hit !== undefined) return hit;
    const v6 = ip.indexOf(':') >= 0;
    hit = this.findParsed_(v6 ? -1 : parseIPv4(ip), v6 ? parseIPv6(ip, this.scratch_) : null) !== undefined;
    if (this.memo_.size >= this.memoMax_) this.memo_.clear();
    this.memo_.set(ip, hit);
    return hit;
  }

  /**
   * The tag of the longest prefix holding an address already parsed (parseIPv4's value, or
   * parseIPv6's words with v4 -1), or undefined: callers that test one address against several
   * sets parse it once. No memo.
   */
  findParsed_(v4: number, w: number[] | null): unknown {
    if (v4 >= 0) return this.findV4_(v4);
    if (w === null) return undefined;
    // an IPv4-mapped address also matches the IPv4 prefixes (first: they are the longer ones)
    var tag = w[0] === 0 && w[1] === 0 && w[2] === 0xffff ? this.findV4_(w[3]) : undefined;
    if (tag !== undefined) return tag;
    // var locals: qjs checks every read of a let/const local for its dead zone
    var lens = this.v6Lens_;
    for (var k = 0; k < lens.length; k++) {
      var bits = lens[k];
      tag = this.v6_.get(bits)!.get(v6Key(w, bits));
      if (tag !== undefined) return tag;
    }
    return undefined;
  }

  private findV4_(v: number): unknown {
    var lens = this.v4Lens_;
    for (var k = 0; k < lens.length; k++) {
      var bits = lens[k];
      var tag = this.v4_.get(bits)!.get(maskWord(v, bits));
      if (tag !== undefined) return tag;
    }
    return undefined;
  }
}

/** The prefix's bits of `w` as 8 UTF-16 units: a text key made without number-to-text (~10k instructions a key in qjs) */
function v6Key(w: number[], bits: number): string {
  var a = maskWord(w[0], bits);
  var b = maskWord(w[1], bits - 32);
  var c = maskWord(w[2], bits - 64);
  var d = maskWord(w[3], bits - 96);
  return String.fromCharCode(a >>> 16, a & 65535, b >>> 16, b & 65535, c >>> 16, c & 65535, d >>> 16, d & 65535);
}

/** A CidrSet holding `list`; entries that do not parse are returned in `bad`. */
export function cidrSetOf(list: readonly string[]): { set: CidrSet; bad: string[] } {
  const set = new CidrSet();
  const bad: string[] = [];
  for (const c of list) if (!set.add(c.trim())) bad.push(c);
  return { set, bad };
}
