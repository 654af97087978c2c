// Readers of the value forms a config option may take. Each returns the value or a message
// saying what was expected; none throws. They run once per option at start and reload, so a
// regular expression (a few thousand instructions in qjs) is affordable here.
// Where another module already owns a rule (sensor ids, broker urls, CIDRs) we ask it, so
// check-config can never accept what the agent would then refuse.
import { parseBrokerUrl } from '../transport/url';
import { sensorIdProblem, NOT_ID_CHAR } from '../transport/topics';
import { CidrSet } from '../pipeline/cidr';
import { toJson, errorText } from '../compat/lang';

export type Read<T> = { ok_: true; value_: T } | { ok_: false; message_: string };

export const good = <T>(value: T): Read<T> => ({ ok_: true, value_: value });

export const bad = <T>(message: string): Read<T> => ({ ok_: false, message_: message });

/** "expected <what>, got '<s>'" */
export const expected = <T>(what: string, s: string): Read<T> => bad(`expected ${what}, got '${s}'`);

/** The spellings OpenWrt's config_get_bool (lib/functions.sh) accepts, case-sensitively: false, then true. */
const BOOLS = ['0', 'no', 'off', 'false', 'disabled', '1', 'yes', 'on', 'true', 'enabled'];

export const BOOL_FORM = 'boolean (1/0, yes/no, on/off, true/false, enabled/disabled)';
export const BROKER_FORM = 'mqtt://host[:port] or mqtts://host[:port]';

export function readBool(s: string): Read<boolean> {
  const i = BOOLS.indexOf(s);
  return i < 0 ? expected(`a ${BOOL_FORM}`, s) : good(i > 4);
}

/** v when `well` (the text had the form) and v is in min..max; else what `range` says. */
function inRange(s: string, well: boolean, v: number, min: number, max: number, range: string): Read<number> {
  return !well ? expected(range, s) : v < min || v > max ? bad(`expected ${range}, got ${s}`) : good(v);
}

export function readInt(s: string, min: number, max: number, unit = ''): Read<number> {
  return inRange(s, /^-?\d+$/.test(s) && s.length <= 16, Number(s), min, max, `an integer from ${min} to ${max}${unit ? ' ' + unit : ''}`);
}

/** Seconds: `90`, `1.5`, or with a unit `90s`, `5m`, `1h`, `1d` (as nlbwmon's options read). */
export function readDuration(s: string, min: number, max: number): Read<number> {
  // A one-character key is never one of Object.prototype's.
  const mult = ({ s: 1, m: 60, h: 3600, d: 86400 } as Record<string, number>)[s[s.length - 1]];
  const n = mult ? s.slice(0, -1) : s;
  return inRange(s, /^\d+(\.\d+)?$/.test(n) && n.length <= 12, Number(n) * (mult ?? 1), min, max,
    `a duration from ${min} to ${max} seconds (e.g. 30, 30s, 5m, 1h)`);
}

/** An absolute path; `allowDash` also accepts '-' (standard output). */
export function readPath(s: string, allowDash: boolean): Read<string> {
  if (allowDash && s === '-') return good(s);
  if (s.charCodeAt(0) !== 47) {
    return expected(`an absolute path${allowDash ? " or '-' for standard output" : ''}`, s);
  }
  return /[\0-\x1f]/.test(s) ? bad(`path has a control character: '${toJson(s)}'`) : good(s);
}

export interface HostPort {
  host: string;
  /** null when the form allows the port to be left out and it was. */
  port: number | null;
}

function validHost(h: string): boolean {
  if (h.length === 0 || h.length > 253) return false;
  for (let i = 0; i < h.length; i++) {
    const c = h.charCodeAt(i);
    const ok = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45 || c === 46 ||
      c === 58 || c === 95;
    if (!ok) return false;
  }
  return true;
}

/** `host:port`, `[v6]:port`; with `portOptional`, also `host`, `v6addr` and `[v6]`. */
export function readHostPort(s: string, portOptional: boolean): Read<HostPort> {
  const want = portOptional ? 'host, host:port or [IPv6]:port' : 'host:port or [IPv6]:port';
  let host: string;
  let portText: string | null = null;
  if (s.charCodeAt(0) === 91 /* [ */) {
    const close = s.indexOf(']');
    if (close < 0) return expected(want, s);
    host = s.slice(1, close);
    const rest = s.slice(close + 1);
    if (rest.length > 0) {
      if (rest[0] !== ':') return expected(want, s);
      portText = rest.slice(1);
    }
  } else {
    const first = s.indexOf(':');
    const lastColon = s.lastIndexOf(':');
    if (first >= 0 && first === lastColon) {
      host = s.slice(0, first);
      portText = s.slice(first + 1);
    } else {
      host = s; // no colon, or a bare IPv6 address
    }
  }
  if (!validHost(host)) return expected(want, s);
  if (portText === null) {
    if (!portOptional) return expected(`${want} (the port is required)`, s);
    return good({ host, port: null });
  }
  const p = readInt(portText, 1, 65535);
  if (!p.ok_) return expected(`${want} with a port from 1 to 65535`, s);
  return good({ host, port: p.value_ });
}

/** A broker url as the transport reads it (src/transport/url.ts), kept as text. */
export function checkBrokerUrl(s: string): Read<string> {
  try {
    parseBrokerUrl(s);
    return good(s);
  } catch (e) {
    return bad(`expected ${BROKER_FORM}: ${errorText(e).replace(/^broker url: /, '')}`);
  }
}

/** A sensor id, by the transport's rule (src/transport/topics.ts): it is an MQTT topic level. */
export function readSensorId(s: string): Read<string> {
  const problem = sensorIdProblem(s);
  return problem ? bad(problem) : good(s);
}

/** The sensor id a hostname gives: other characters become '_'; unusable results give 'openwrt'. */
export function sensorIdFromHostname(hostname: string): string {
  const out = hostname.trim().slice(0, 64).replace(NOT_ID_CHAR, '_');
  return sensorIdProblem(out) === null ? out : 'openwrt';
}

/** An IPv4/IPv6 address or CIDR prefix, as the pipeline's CidrSet reads it. */
export function readCidr(s: string): Read<string> {
  return new CidrSet().add(s) ? good(s) : expected('an IP address or CIDR prefix (192.0.2.0/24, 2001:db8::/32)', s);
}

/** 'auto' (the router's local time zone) or a fixed offset from UTC, `+HH:MM` / `-HH:MM`. */
export const readUtcOffset = (s: string): Read<string> =>
  s === 'auto' || utcOffsetMinutes(s) !== null ? good(s) : expected("'auto' or an offset like +01:00 or -05:30", s);

/** Minutes east of UTC for `+HH:MM`/`-HH:MM` (the log parser's unit), null for 'auto' or a malformed value. */
export function utcOffsetMinutes(s: string): number | null {
  if (!/^[+-]\d\d:\d\d$/.test(s)) return null;
  const sign = s[0] === '+' ? 1 : -1;
  const h = Number(s.slice(1, 3));
  const m = Number(s.slice(4, 6));
  if (h > 14 || m > 59) return null;
  return sign * (h * 60 + m);
}

/** A process name as /proc/<pid>/comm shows it (at most 15 bytes, no '/'). */
export function readProcessName(s: string): Read<string> {
  return /^[^/]{1,15}$/.test(s) ? good(s)
    : expected("a process name as in /proc/<pid>/comm (1 to 15 characters, no '/')", s);
}
