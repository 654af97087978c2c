// The one config schema: every option of /etc/config/netledger with its form, default and
// whether a change needs a restart. The help texts (units and trade-offs) live in ./help, out of
// the agent bundle, which never prints them. The default UCI file, the init script, the LuCI view
// and docs/config.md are rendered from or checked against both tables by tests.
import { parseUci } from './uci';
import { section, str, int, bool, oneOf, duration, path, list, type ValueOf, type OptionSpec } from './spec';
import { checkBrokerUrl, readCidr, readProcessName, readSensorId, readUtcOffset, sensorIdFromHostname } from './forms';
import { validateDocument, type AnySchema, type ConfigError, type Origins } from './validate';

export { formatConfigError, type ConfigError } from './validate';

export const SCHEMA = {
  agent: section('main', {
    enabled: bool({ default: true, restart: true }),
    sensor_id: str({ default: '', restart: true, check: readSensorId, form: 'letters, digits and - _ . : (1..64)' }),
    state_dir: path({ default: '/var/run/netledger', restart: true }),
    status_interval: duration({ default: 10, min: 1, max: 3600 }),
    memory_budget: int({ default: 16384, min: 2048, max: 1048576, unit: 'kB' }),
    log_level: oneOf({ values: ['error', 'warn', 'info', 'debug'] as const, default: 'info' }),
  }),

  dnsmasq: section('dns', {
    enabled: bool({ default: true, restart: true }),
    input: oneOf({ values: ['logread', 'file', 'stdin'] as const, default: 'logread', restart: true }),
    file: path({ default: '/tmp/dnsmasq.log', restart: true }),
    log_format: oneOf({ values: ['auto', 'logread', 'syslog', 'bare'] as const, default: 'auto' }),
    year: int({ default: 0, min: 0, max: 2100 }),
    utc_offset: str({ default: 'auto', check: readUtcOffset, form: "'auto' or +HH:MM / -HH:MM" }),
    transaction_timeout: duration({ default: 10, min: 1, max: 300 }),
    max_transactions: int({ default: 2048, min: 16, max: 65536, unit: 'transactions' }),
  }),

  conntrack: section('flows', {
    enabled: bool({ default: true, restart: true }),
    mode: oneOf({ values: ['auto', 'events', 'proc'] as const, default: 'auto', restart: true }),
    netlink_buffer: int({ default: 1048576, min: 65536, max: 16777216, unit: 'bytes', restart: true }),
    interim_interval: duration({ default: 300, min: 0, max: 86400 }),
    max_flows: int({ default: 16384, min: 256, max: 1048576, unit: 'flows' }),
    proc_poll_min: duration({ default: 2, min: 0.5, max: 60 }),
    proc_poll_max: duration({ default: 30, min: 1, max: 600 }),
    restart_backoff_min: duration({ default: 1, min: 0.1, max: 60 }),
    restart_backoff_max: duration({ default: 60, min: 1, max: 3600 }),
  }),

  devices: section('devices', {
    leases_file: path({ default: '/tmp/dhcp.leases' }),
    lease_poll: duration({ default: 2, min: 0.5, max: 600 }),
    ubus_leases: bool({ default: true }),
    ubus_interval: duration({ default: 30, min: 5, max: 3600 }),
    grace: duration({ default: 10800, min: 0, max: 604800 }),
    max_devices: int({ default: 4096, min: 16, max: 262144, unit: 'addresses' }),
  }),

  join: section('join', {
    answer_ttl: duration({ default: 3600, min: 10, max: 86400 }),
    max_per_client: int({ default: 10000, min: 16, max: 1048576, unit: 'answers' }),
    max_answers: int({ default: 50000, min: 256, max: 4194304, unit: 'answers' }),
  }),

  bypass: section('bypass', {
    enabled: bool({ default: true }),
    ports: list({ default: [53, 853], item: int({ default: 0, min: 1, max: 65535 }), maxItems: 64 }),
    allow: list({ default: [], item: str({ default: '', check: readCidr, form: 'address or CIDR' }) }),
    window: duration({ default: 3600, min: 10, max: 86400 }),
  }),

  health: section('health', {
    interval: duration({ default: 60, min: 5, max: 86400 }),
    watch: list({ default: ['dnsmasq'], item: str({ default: '', check: readProcessName, form: 'process name' }) }),
    growth_alert: int({ default: 8192, min: 0, max: 1048576, unit: 'kB' }),
  }),

  output: section('out', {
    enabled: bool({ default: false }),
    file: path({ default: '/tmp/netledger.ndjson', allowDash: true }),
    max_bytes: int({ default: 1048576, min: 0, max: 1073741824, unit: 'bytes' }),
  }),

  mqtt: section('mqtt', {
    enabled: bool({ default: false, restart: true }),
    url: str({ default: '', restart: true, check: checkBrokerUrl, form: 'mqtt://host[:port] or mqtts://host[:port]' }),
    client_id: str({ default: '', restart: true }),
    username: str({ default: '', restart: true }),
    password: str({ default: '', restart: true, secret: true }),
    ca_file: path({ default: '', restart: true }),
    cert_file: path({ default: '', restart: true }),
    key_file: path({ default: '', restart: true }),
    verify_hostname: bool({ default: true, restart: true }),
    keepalive: int({ default: 60, min: 0, max: 65535, unit: 'seconds', restart: true }),
    qos: int({ default: 1, min: 0, max: 1 }),
    inflight: int({ default: 16, min: 1, max: 256, unit: 'batches' }),
    reconnect_min: duration({ default: 1, min: 0.1, max: 3600 }),
    reconnect_max: duration({ default: 300, min: 1, max: 86400 }),
  }),

  batch: section('batch', {
    max_events: int({ default: 500, min: 1, max: 10000, unit: 'events' }),
    max_bytes: int({ default: 65536, min: 1024, max: 1048576, unit: 'bytes' }),
    max_age: duration({ default: 5, min: 0.1, max: 300 }),
  }),

  spool: section('spool', {
    enabled: bool({ default: true }),
    dir: path({ default: '/tmp/netledger-spool', restart: true }),
    max_bytes: int({ default: 4194304, min: 65536, max: 1073741824, unit: 'bytes' }),
  }),

  streams: section('streams', {
    dns: bool({ default: true }),
    flow: bool({ default: true }),
    pdns: bool({ default: true }),
    alert: bool({ default: true }),
    health: bool({ default: true }),
  }),

  pdns: section('pdns', {
    window: duration({ default: 3600, min: 60, max: 86400 }),
    max_records: int({ default: 8192, min: 64, max: 1048576, unit: 'records' }),
  }),

  ioc: section('ioc', {
    feed: list({ default: [], item: path({ default: '' }) }),
    max_indicators: int({ default: 50000, min: 0, max: 1000000, unit: 'indicators' }),
  }),
};

type Schema = typeof SCHEMA;

/** The effective configuration: every option of every section, defaults filled in. */
export type NetledgerConfig = {
  -readonly [S in keyof Schema]: { -readonly [O in keyof Schema[S]['options']]: ValueOf<Schema[S]['options'][O]> };
};

export type SectionType = keyof Schema;

export interface LoadOptions {
  /** The system hostname, for an empty sensor_id. Without it: 'openwrt'. */
  hostname?: string;
}

export function defaultConfig(opts: LoadOptions = {}): NetledgerConfig {
  return loadConfig('', '<defaults>', opts).config;
}

/** The option spec for section type / option name, or undefined. */
export function optionSpec(type: string, option: string): OptionSpec<unknown> | undefined {
  const s = (SCHEMA as unknown as AnySchema)[type];
  if (!s || !Object.prototype.hasOwnProperty.call(SCHEMA, type)) return undefined;
  return Object.prototype.hasOwnProperty.call(s.options, option) ? s.options[option] : undefined;
}

/**
 * Parses and validates a UCI config text. Always returns a complete config (bad values keep
 * their default) plus every error found; callers decide whether errors are fatal.
 */
export function loadConfig(text: string, file: string, opts: LoadOptions = {}): { config: NetledgerConfig; errors: ConfigError[] } {
  const doc = parseUci(text, file);
  const { values, errors, origins } = validateDocument(doc, SCHEMA as unknown as AnySchema);
  const config = values as unknown as NetledgerConfig;
  if (config.agent.sensor_id === '') config.agent.sensor_id = sensorIdFromHostname(opts.hostname ?? '');
  crossCheck(config, origins, file, errors);
  errors.sort((a, b) => a.line - b.line);
  return { config, errors };
}

/** Rules that involve more than one option. */
function crossCheck(c: NetledgerConfig, origins: Origins, file: string, errors: ConfigError[]): void {
  const at = (section: SectionType, option: string): number =>
    origins.options_[section]?.[option] ?? origins.sections_[section] ?? 1;
  const err = (section: SectionType, option: string, message: string): void => {
    errors.push({ file, line: at(section, option), section, option, message });
  };
  const ordered = (section: SectionType, lo: string, hi: string): void => {
    const v = c[section] as Record<string, unknown>;
    if ((v[lo] as number) > (v[hi] as number)) {
      err(section, origins.options_[section]?.[lo] !== undefined ? lo : hi, `${lo} (${v[lo]}) is greater than ${hi} (${v[hi]})`);
    }
  };
  if (c.mqtt.enabled && c.mqtt.url === '') err('mqtt', 'url', 'required when mqtt is enabled');
  const tls = c.mqtt.url.startsWith('mqtts://');
  for (const o of ['ca_file', 'cert_file', 'key_file'] as const) {
    if (c.mqtt[o] !== '' && c.mqtt.url !== '' && !tls) err('mqtt', o, 'only used with an mqtts:// url');
  }
  if ((c.mqtt.cert_file === '') !== (c.mqtt.key_file === '')) {
    err('mqtt', c.mqtt.cert_file === '' ? 'key_file' : 'cert_file', 'cert_file and key_file go together');
  }
  ordered('mqtt', 'reconnect_min', 'reconnect_max');
  ordered('conntrack', 'proc_poll_min', 'proc_poll_max');
  ordered('conntrack', 'restart_backoff_min', 'restart_backoff_max');
  if (c.spool.enabled && c.spool.max_bytes < c.batch.max_bytes) {
    err('spool', 'max_bytes', `smaller than one batch (batch.max_bytes ${c.batch.max_bytes})`);
  }
}

export interface Setting {
  section: SectionType;
  option: string;
  /** As UCI text; secrets are shown as '***'. */
  value: string;
  restart: boolean;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Options whose effective value differs from the default, in schema order. */
export function nonDefaults(config: NetledgerConfig): Setting[] {
  const out: Setting[] = [];
  const schema = SCHEMA as unknown as AnySchema;
  for (const type of Object.keys(schema) as SectionType[]) {
    const opts = schema[type].options;
    const values = config[type] as Record<string, unknown>;
    for (const name of Object.keys(opts)) {
      const spec = opts[name];
      if (sameValue(values[name], spec.default)) continue;
      out.push({ section: type, option: name, value: spec.secret ? '***' : spec.show(values[name]).join(' '), restart: spec.restart });
    }
  }
  return out;
}

/** Options that differ between two configs and need a restart to take effect ('section.option'). */
export function restartNeeded(before: NetledgerConfig, after: NetledgerConfig): string[] {
  const out: string[] = [];
  const schema = SCHEMA as unknown as AnySchema;
  for (const type of Object.keys(schema) as SectionType[]) {
    const opts = schema[type].options;
    for (const name of Object.keys(opts)) {
      if (!opts[name].restart) continue;
      const a = (before[type] as Record<string, unknown>)[name];
      const b = (after[type] as Record<string, unknown>)[name];
      if (!sameValue(a, b)) out.push(`${type}.${name}`);
    }
  }
  return out;
}
