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
function urlError(message: string): Error {
  return new Error(`broker url: ${message}`);
}

function decodePart(s: string, what: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw urlError(`bad percent-encoding in ${what}`);
  }
}

/** Parses and validates a broker URL; throws Error('broker url: ...') naming the problem. */
export function parseBrokerUrl(text: string): BrokerUrl {
  const sep = text.indexOf('://');
  if (sep < 0) throw urlError(`${toJson(text)} has no scheme (use mqtt:// or mqtts://)`);
  const scheme = text.slice(0, sep).toLowerCase();
  if (scheme !== 'mqtt' && scheme !== 'mqtts') throw urlError(`unsupported scheme ${toJson(scheme)} (use mqtt:// or mqtts://)`);
  let rest = text.slice(sep + 3);
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    if (rest.slice(slash) !== '/') throw urlError('a path is not allowed');
    rest = rest.slice(0, slash);
  }
  if (/[?#]/.test(rest)) throw urlError('query or fragment not allowed');
  const url: BrokerUrl = { scheme, host: '', port: scheme === 'mqtts' ? 8883 : 1883 };
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const cred = rest.slice(0, at);
    rest = rest.slice(at + 1);
    const colon = cred.indexOf(':');
    url.username = decodePart(colon >= 0 ? cred.slice(0, colon) : cred, 'user name');
    if (colon >= 0) url.password = decodePart(cred.slice(colon + 1), 'password');
    if (url.username === '') throw urlError('empty user name');
  }
  let portText = '';
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) throw urlError('unclosed [ in IPv6 address');
    url.host = rest.slice(1, close);
    const after = rest.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) throw urlError('junk after IPv6 address');
    portText = after.slice(1);
    if (url.host.indexOf(':') < 0) throw urlError('[ ] only around IPv6 addresses');
  } else {
    const colon = rest.indexOf(':');
    url.host = colon >= 0 ? rest.slice(0, colon) : rest;
    portText = colon >= 0 ? rest.slice(colon + 1) : '';
    if (colon >= 0 && portText === '') throw urlError('empty port');
  }
  if (url.host === '') throw urlError('empty host');
  // The host becomes a child process argument: no leading '-', no spaces or shell-ish bytes.
  const bad = /[^\w:.%-]/.exec(url.host);
  if (bad) throw urlError(`invalid character ${toJson(bad[0])} in host`);
  if (url.host[0] === '-') throw urlError('host may not start with "-"');
  if (portText !== '') {
    if (!/^[0-9]{1,5}$/.test(portText)) throw urlError(`invalid port ${toJson(portText)}`);
    url.port = Number(portText);
    if (url.port < 1 || url.port > 65535) throw urlError(`port ${url.port} out of range`);
  }
  return url;
}

/** The URL without its password, for logs and status. */
export function redactBrokerUrl(u: BrokerUrl): string {
  const host = u.host.indexOf(':') >= 0 ? `[${u.host}]` : u.host;
  const user = u.username !== undefined ? `${encodeURIComponent(u.username)}${u.password !== undefined ? ':***' : ''}@` : '';
  return `${u.scheme}://${user}${host}:${u.port}`;
}
