// Strips the framing around a dnsmasq message and reads its time and pid.
//
// Framings understood (the message starts after `dnsmasq[pid]: `):
//   OpenWrt logread:        `Sun Nov 22 23:45:31 2026 daemon.info dnsmasq[8830]: ...`
//   dnsmasq --log-facility: `Nov 22 23:45:31 dnsmasq[8830]: ...`            (no year)
//   classic syslog file:    `Nov 22 23:45:31 router dnsmasq[8830]: ...`     (no year; also with
//                           busybox's `host daemon.info` before the tag)
//   RFC 3339 (rsyslog):     `2026-11-22T23:45:31.123+01:00 router dnsmasq[8830]: ...`
// each optionally behind a raw syslog `<30>` priority.
//
// Time: the first three framings print local wall-clock time without a zone. We read it as
// UTC + utcOffsetMin (default 0, which is what OpenWrt runs unless a zone is configured).
// Year-less stamps take `year` if given, else the current year of now() (in that offset),
// rolled back one year when the result would be more than a day in the future (a December log
// replayed in January). RFC 3339 stamps carry their own offset and are exact.
//
// QuickJS is slow: no regular expressions. The epoch of the last distinct stamp text is cached,
// so a burst of lines within one second costs one startsWith().
//
// The option dnsmasq.log_format picks the reader once (framingFor()): 'auto' reads all of the
// above line by line; 'logread' only the `Sun Nov 22 23:45:31 2026 ` stamp and 'syslog' only
// the year-less `Nov 22 23:45:31 ` one (with or without a host name, each behind an optional
// priority); 'bare' takes the whole line as the message, stamped with the second it was read.
// A forced mode never reads a line of another framing as its own: that line is a
// framing_mismatch (a drop). 'auto' keeps its own code, untouched by the forced modes.

/** dnsmasq.log_format */
export type LogFormat = 'auto' | 'logread' | 'syslog' | 'bare';

export interface FramingOptions {
  /** Year for year-less stamps (default: inferred from now()). */
  year_?: number;
  /** Minutes east of UTC of the clock that wrote the log (default 0). */
  utcOffsetMin_?: number;
  /** Wall clock, epoch seconds (default Date.now()/1000); only for year inference. */
  now_?: () => number;
}

/** Why a line was not a dnsmasq DNS message. */
export type FramingSkip =
  | 'bad_framing' // no recognisable stamp or tag: a drop
  | 'bad_timestamp' // the stamp's fields are out of range: a drop
  | 'framing_mismatch' // not the framing dnsmasq.log_format forces: a drop
  | 'other_program' // a well-formed line from another program (shared logread): ignored
  | 'not_dns'; // dnsmasq-dhcp / -tftp / -script / -debug: ignored

const MONTHS = 'JanFebMarAprMayJunJulAugSepOctNovDec';
const DAY = 86400;

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function yearOf(epochSec: number): number {
  return new Date(epochSec * 1000).getUTCFullYear();
}

/** Two digits at i (' 7' style space padding allowed when `pad`), or -1. */
function two(line: string, i: number, pad?: boolean): number {
  // (past the end of the line both are NaN, and so is the result: the callers' range tests let
  // it through and the line ends as bad_framing where the space after the stamp is missing)
  const a = line.charCodeAt(i);
  const b = line.charCodeAt(i + 1);
  return b < 48 || b > 57 ? -1 : a === 32 && pad ? b - 48 : a < 48 || a > 57 ? -1 : (a - 48) * 10 + (b - 48);
}

/** `hh:mm:ss` at i as seconds of the day, or -1 (a field out of range or not two digits, a
 *  colon missing). Both stamp forms share it. */
function clockAt(line: string, i: number): number {
  const hh = two(line, i);
  const mm = two(line, i + 3);
  const ss = two(line, i + 6);
  return hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60 || line.charCodeAt(i + 2) !== 58 || line.charCodeAt(i + 5) !== 58
    ? -1 : hh * 3600 + mm * 60 + ss;
}

export interface DnsmasqFraming {
  /** Results of the last successful frame(): epoch seconds, pid, and where the message starts. */
  ts: number;
  pid: number;
  start: number;
  /** Why the last frame() returned false. */
  skip_: FramingSkip;
  /** Frames line[0, end). True when it is a dnsmasq DNS-channel message (see ts/pid/start). */
  frame(line: string, end: number): boolean;
}

/**
 * The reader of one log_format, chosen once: no per-line test of the mode ('auto' reads with its
 * own functions; 'syslog'/'logread' wrap the stamp reader, 'bare' has its own frame()).
 */
export function framingFor(format: LogFormat | undefined, { year_, utcOffsetMin_ = 0, now_ = () => Date.now() / 1000 }: FramingOptions): DnsmasqFraming {
  const offsetSec = utcOffsetMin_ * 60;
  /** The last stamp read (its text from s on) and its epoch. */
  let stamp = '';
  let stampTs = 0;
  /** The whole framing of the last dnsmasq line (`stamp host tag[pid]: `), its ts and pid. */
  let prefix = '';
  let prefixTs = 0;
  let prefixPid = 0;

  const fail = (why: FramingSkip): false => {
    self.skip_ = why;
    return false;
  };

  const bad = (why: FramingSkip): number => {
    self.skip_ = why;
    return -1;
  };

  /** `2026-11-22T23:45:31[.frac](Z|±hh:mm) ` */
  const readIso = (line: string, s: number, end: number): number => {
    const yh = two(line, s);
    const yl = two(line, s + 2);
    const mo = two(line, s + 5);
    const d = two(line, s + 8);
    const clock = clockAt(line, s + 11);
    if (yh < 0 || yl < 0 || mo < 1 || mo > 12 || line.charCodeAt(s + 7) !== 45 || d < 1 || d > 31 || clock < 0) {
      return bad('bad_timestamp');
    }
    let i = s + 19;
    let frac = 0;
    if (line.charCodeAt(i) === 46 /* . */) {
      let scale = 0.1;
      for (i++; i < end; i++) {
        const c = line.charCodeAt(i) ^ 48;
        if (c > 9) break;
        frac += c * scale;
        scale /= 10;
      }
    }
    let off = offsetSec;
    const z = line.charCodeAt(i);
    if (z === 90 /* Z */) {
      off = 0;
      i++;
    } else if (z === 43 || z === 45) {
      const oh = two(line, i + 1);
      const om = two(line, i + 4);
      if (oh < 0 || om < 0 || line.charCodeAt(i + 3) !== 58) return bad('bad_timestamp');
      off = (oh * 60 + om) * 60 * (z === 45 ? -1 : 1);
      i += 6;
    }
    if (line.charCodeAt(i) !== 32 || i >= end) return bad('bad_framing');
    const ts = daysFromCivil(yh * 100 + yl, mo, d) * DAY + clock - off;
    self.ts = frac > 0 ? Math.round((ts + frac) * 1e6) / 1e6 : ts;
    // Fractional stamps rarely repeat: cache only whole-second ones.
    if (frac === 0) {
      stamp = line.slice(s, i + 1);
      stampTs = ts;
    }
    return i + 1;
  };

  /** Parses the stamp at s, caches it, sets ts; returns where the tag search begins, or -1. */
  const readStamp = (line: string, s: number, end: number): number => {
    if (line.charCodeAt(s + 4) === 45 /* - */ && line.charCodeAt(s + 10) === 84 /* T */) return readIso(line, s, end);
    if (line.charCodeAt(s + 3) !== 32) return bad('bad_framing');
    let mAt = s; // `Nov 22 23:45:31 `
    let next = s + 16;
    let year = year_; // undefined: inferred (a year given is used, whatever it is)
    if (line.charCodeAt(s + 9) !== 58 /* : */ || line.charCodeAt(s + 15) !== 32) {
      if (line.charCodeAt(s + 13) !== 58 || line.charCodeAt(s + 19) !== 32 || line.charCodeAt(s + 24) !== 32) return bad('bad_framing');
      mAt = s + 4; // `Sun Nov 22 23:45:31 2026 `
      next = s + 25;
      const y1 = two(line, s + 20);
      const y2 = two(line, s + 22);
      if (y1 < 0 || y2 < 0) return bad('bad_timestamp');
      year = y1 * 100 + y2;
    }
    if (next > end) return bad('bad_framing');
    const mi = MONTHS.indexOf(line.slice(mAt, mAt + 3));
    const day = two(line, mAt + 4, true);
    let clock = clockAt(line, mAt + 7);
    if (mi < 0 || mi % 3 !== 0 || day < 1 || day > 31 || clock < 0) return bad('bad_timestamp');
    const month = mi / 3 + 1;
    clock -= offsetSec;
    let ts: number;
    if (year !== undefined) {
      ts = daysFromCivil(year, month, day) * DAY + clock;
    } else {
      const now = now_();
      const y = yearOf(now + offsetSec);
      ts = daysFromCivil(y, month, day) * DAY + clock;
      if (ts > now + DAY) ts = daysFromCivil(y - 1, month, day) * DAY + clock;
    }
    stamp = line.slice(s, next);
    stampTs = self.ts = ts;
    return next;
  };

  /** 'syslog' or 'logread': a new stamp must be of the mode's form (the stamp and prefix caches
   *  only ever hold stamps read here, so this runs once a second). The mode's stamp has a space
   *  where no other stamp readStamp() reads can have one: at 6 in `Nov 22 23:45:31 ` (logread has
   *  a month's letter there, RFC 3339 a month's digit), at 10 in `Sun Nov 22 23:45:31 2026 ` (a
   *  year-less stamp has a minute's digit, RFC 3339 its T). */
  const spaceAt = format === 'syslog' ? 6 : 10;
  const stampOf = format !== 'syslog' && format !== 'logread' ? readStamp : (line: string, s: number, end: number): number => {
    if (line.charCodeAt(s + spaceAt) === 32) {
      const next = readStamp(line, s, end);
      // a stamp of this form with a field out of range keeps auto's reason
      if (next >= 0 || self.skip_ === 'bad_timestamp') return next;
    }
    return bad('framing_mismatch');
  };

  const self: DnsmasqFraming = {
    ts: 0,
    pid: 0,
    start: 0,
    skip_: 'bad_framing',
    frame: format === 'bare'
      // the line is the message, of the second it is read, pid 0. A line that starts with a
      // syslog priority, dnsmasq's tag or a stamp auto reads is framed: a mismatch, not a message.
      ? (line, end) => {
        if (line.charCodeAt(0) === 60 /* < */ || line.startsWith('dnsmasq') || readStamp(line, 0, end) >= 0) {
          return fail('framing_mismatch');
        }
        // whole seconds, as every stamped framing has them
        self.ts = Math.floor(now_());
        self.pid = self.start = 0;
        return true;
      }
      : (line, end) => {
        // Lines of one second from one pid share their whole framing: one native compare.
        if (prefix !== '' && line.startsWith(prefix) && prefix.length < end) {
          self.ts = prefixTs;
          self.pid = prefixPid;
          self.start = prefix.length;
          return true;
        }
        let s = 0;
        if (line.charCodeAt(0) === 60 /* < */) {
          const gt = line.indexOf('>', 1);
          if (gt < 0 || gt > 4) return fail('bad_framing');
          s = gt + 1;
        }
        let tagFrom: number;
        if (stamp !== '' && line.startsWith(stamp, s)) {
          tagFrom = s + stamp.length;
          self.ts = stampTs;
        } else {
          tagFrom = stampOf(line, s, end);
          if (tagFrom < 0) return false;
        }
        // The tag is the last word before the first ': ' (hostnames and `daemon.info` come first).
        const colon = line.indexOf(': ', tagFrom);
        if (colon < 0 || colon >= end) return fail('bad_framing');
        let tag = line.lastIndexOf(' ', colon - 1) + 1;
        if (tag < tagFrom) tag = tagFrom;
        if (!line.startsWith('dnsmasq', tag)) return fail('other_program');
        const c = line.charCodeAt(tag + 7);
        let pid = 0;
        if (c === 91 /* [ */) {
          let i = tag + 8;
          for (; i < colon; i++) {
            const d = line.charCodeAt(i) ^ 48;
            if (d > 9) break;
            pid = pid * 10 + d;
          }
          if (i === tag + 8 || i !== colon - 1 || line.charCodeAt(i) !== 93 /* ] */ || pid > 0x7fffffff) return fail('bad_framing');
        } else if (tag + 7 !== colon) {
          // `dnsmasq: ` has no pid; dnsmasq-dhcp[..], dnsmasq-tftp[..], dnsmasq-script[..] are not DNS
          return fail(c === 45 /* - */ ? 'not_dns' : 'other_program');
        }
        self.pid = pid;
        self.start = colon + 2;
        // (the stamp read above is cached now, unless it had a fraction of a second)
        if (stamp !== '' && line.startsWith(stamp, s)) {
          prefix = line.slice(0, colon + 2);
          prefixTs = self.ts;
          prefixPid = pid;
        }
        return true;
      },
  };
  return self;
}
