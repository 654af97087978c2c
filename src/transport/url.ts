// Broker addresses: mqtt://[user[:pass]@]host[:port] (plain TCP through nc) and mqtts://...
// (TLS through openssl s_client). Parsed by hand: no URL class in QuickJS.
import { toJson } from '../compat/lang';

export interface BrokerUrl {
  scheme: 'mqtt' | 'mqtts';
  /** Host name or address; IPv6 without brackets. */
  host: string;
  port: number;
  username?: string;
  password?: string;
}

/** Every parse error starts with 'broker url: ' (checkBrokerUrl in config/forms strips it). */
function urlError(message: string): never {
  throw new Error(`broker url: ${message}`);
}

const decodePart = (s: string, what: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    urlError(`bad percent-encoding in ${what}`);
  }
};

/** Parses and validates a broker URL; throws Error('broker url: ...') naming the problem. */
export const parseBrokerUrl = (text: string): BrokerUrl => {
  const sep = text.indexOf('://');
  const use = ' (use mqtt:// or mqtts://)';
  if (sep < 0) urlError(`${toJson(text)} has no scheme${use}`);
  const scheme = text.slice(0, sep).toLowerCase();
  if (scheme !== 'mqtt' && scheme !== 'mqtts') urlError(`unsupported scheme ${toJson(scheme)}${use}`);
  let rest = text.slice(sep + 3);
  // Only a lone trailing '/' may follow the authority.
  if (/\/[^]/.test(rest)) urlError('a path is not allowed');
  rest = rest.replace(/\/$/, '');
  if (/[?#]/.test(rest)) urlError('query or fragment not allowed');
  const url: BrokerUrl = { scheme, host: '', port: scheme === 'mqtts' ? 8883 : 1883 };
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    // user[:password], the password being all after the first ':'
    const [user, ...pass] = rest.slice(0, at).split(':');
    rest = rest.slice(at + 1);
    url.username = decodePart(user, 'user name');
    if (pass.length) url.password = decodePart(pass.join(':'), 'password');
    if (!url.username) urlError('empty user name');
  }
  let host = rest;
  let port = ''; // '' or ':' and what follows it
  if (rest[0] === '[') {
    const close = rest.indexOf(']');
    if (close < 0) urlError('unclosed [ in IPv6 address');
    host = rest.slice(1, close);
    port = rest.slice(close + 1);
    if (port && port[0] !== ':') urlError('junk after IPv6 address');
    if (host.indexOf(':') < 0) urlError('[ ] only around IPv6 addresses');
  } else {
    const colon = rest.indexOf(':');
    if (colon >= 0) {
      host = rest.slice(0, colon);
      port = rest.slice(colon);
    }
  }
  if (!host) urlError('empty host');
  // The host becomes a child process argument: no leading '-', no spaces or shell-ish bytes.
  const bad = /[^\w:.%-]/.exec(host);
  if (bad) urlError(`invalid character ${toJson(bad[0])} in host`);
  if (host[0] === '-') urlError('host may not start with "-"');
  url.host = host;
  if (port) {
    port = port.slice(1);
    if (!port) urlError('empty port');
    if (!/^\d+$/.test(port)) urlError(`invalid port ${toJson(port)}`);
    const n = +port;
    // the port as typed: a long one would print as 1e+23
    if (!(n >= 1 && n <= 65535)) urlError(`port ${port} out of range`);
    url.port = n;
  }
  return url;
};

/** host:port, an IPv6 host in brackets. */
export const hostPort = (u: BrokerUrl): string => {
  return `${u.host.indexOf(':') >= 0 ? `[${u.host}]` : u.host}:${u.port}`;
};

/** The URL without its password, for logs and status. */
export const redactBrokerUrl = (u: BrokerUrl): string => {
  const user = u.username !== undefined ? `${encodeURIComponent(u.username)}${u.password !== undefined ? ':***' : ''}@` : '';
  return `${u.scheme}://${user}${hostPort(u)}`;
};
