// The one config schema: every option of /etc/config/netledger with its reader, default and
// whether a change needs a restart. What only the docs say (help texts with units and trade-offs,
// section names, each option's kind and form in words) lives in ./help, out of the agent bundle,
// which never prints it. The default UCI file, the init script, the LuCI view and docs/config.md
// are rendered from or checked against both by tests.
import { parseUci } from './uci';
import { sections, str, int, bool, oneOf, duration, path, list, restart, secret, type ValueOf, type OptionSpec } from './spec';
import { checkBrokerUrl, readCidr, readProcessName, readSensorId, readUtcOffset, sensorIdFromHostname, good, expected } from './forms';
import { validateDocument, type AnySchema, type ConfigError, type Origins, type ErrorAt } from './validate';
import { toJson, keysOf } from '../compat/lang';

export { formatConfigError, formatConfigErrors, type ConfigError } from './validate';

// `let`, not `const`: esbuild would write the number out at every use (issue 4: bundle size).
let MiB = 1048576, DAY = 86400;

export const SCHEMA = sections({
  agent: {
    enabled: restart(bool()),
    sensor_id: restart(str(readSensorId)),
    state_dir: restart(path('/var/run/netledger')),
    status_interval: duration(10, 1, 3600),
    memory_budget: int(16384, 2048, MiB, 'kB'),
    log_level: oneOf(['error', 'warn', 'info', 'debug'], 'info'),
  },

  dnsmasq: {
    enabled: restart(bool()),
    input: restart(oneOf(['logread', 'file', 'stdin'], 'logread')),
    file: restart(path('/tmp/dnsmasq.log')),
    log_format: oneOf(['auto', 'logread', 'syslog', 'bare'], 'auto'),
    year: int(0, 0, 2100),
    utc_offset: str(readUtcOffset, 'auto'),
    transaction_timeout: duration(10, 1, 300),
    max_transactions: int(2048, 16, 65536, 'transactions'),
  },

  conntrack: {
    enabled: restart(bool()),
    mode: restart(oneOf(['auto', 'events', 'proc'], 'auto')),
    netlink_buffer: restart(int(MiB, 65536, 16777216, 'bytes')),
    interim_interval: duration(300, 0, DAY),
    max_flows: int(16384, 256, MiB, 'flows'),
    proc_poll_min: duration(2, 0.5, 60),
    proc_poll_max: duration(30, 1, 600),
    restart_backoff_min: duration(1, 0.1, 60),
    restart_backoff_max: duration(60, 1, 3600),
  },

  devices: {
    leases_file: path('/tmp/dhcp.leases'),
    lease_poll: duration(2, 0.5, 600),
    ubus_leases: bool(),
    ubus_interval: duration(30, 5, 3600),
    grace: duration(10800, 0, 604800),
    max_devices: int(4096, 16, 262144, 'addresses'),
  },

  join: {
    answer_ttl: duration(3600, 10, DAY),
    max_per_client: int(10000, 16, MiB, 'answers'),
    max_answers: int(50000, 256, 4194304, 'answers'),
  },

  bypass: {
    enabled: bool(),
    ports: list([53, 853], int(0, 1, 65535), 64),
    allow: list([], str(readCidr)),
    window: duration(3600, 10, DAY),
  },

  health: {
    interval: duration(60, 5, DAY),
    watch: list(['dnsmasq'], str(readProcessName)),
    growth_alert: int(8192, 0, MiB, 'kB'),
  },

  output: {
    enabled: bool(false),
    file: path('/tmp/netledger.ndjson', true),
    max_bytes: int(MiB, 0, 1073741824, 'bytes'),
  },

  mqtt: {
    enabled: restart(bool(false)),
    url: restart(str(checkBrokerUrl)),
    // MQTT 3.1.1 promises 1..23 letters and digits (MQTT-3.1.3-5); brokers take far more. '': the sensor id.
    client_id: restart(str((s) => (/^[!-~]{0,128}$/.test(s) ? good(s) : expected('at most 128 printable ASCII characters, no spaces', s)))),
    username: restart(str()),
    password: restart(secret(str())),
    ca_file: restart(path()),
    cert_file: restart(path()),
    key_file: restart(path()),
    verify_hostname: restart(bool()),
    keepalive: restart(int(60, 0, 65535, 'seconds')),
    qos: int(1, 0, 1),
    inflight: int(16, 1, 256, 'batches'),
    reconnect_min: duration(1, 0.1, 3600),
    reconnect_max: duration(300, 1, DAY),
  },

  batch: {
    max_events: int(500, 1, 10000, 'events'),
    max_bytes: int(65536, 1024, MiB, 'bytes'),
    max_age: duration(5, 0.1, 300),
  },

  spool: {
    enabled: bool(),
    dir: restart(path('/tmp/netledger-spool')),
    max_bytes: int(4194304, 65536, 1073741824, 'bytes'),
  },

  streams: {
    dns: bool(),
    flow: bool(),
    pdns: bool(),
    alert: bool(),
    health: bool(),
  },

  pdns: {
    window: duration(3600, 60, DAY),
    max_records: int(8192, 64, MiB, 'records'),
  },

  ioc: {
    feed: list([], path()),
    max_indicators: int(50000, 0, 1000000, 'indicators'),
  },
});

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
  return loadConfig('', '', opts).config;
}

/** The option spec for section type / option name, or undefined. */
export function optionSpec(type: string, option: string): OptionSpec<unknown> | undefined {
  const s = (SCHEMA as unknown as AnySchema)[type];
  if (!s || !Object.hasOwn(SCHEMA, type)) return undefined;
  return Object.hasOwn(s.options, option) ? s.options[option] : undefined;
}

/**
 * Parses and validates a UCI config text. Always returns a complete config (bad values keep
 * their default) plus every error found; callers decide whether errors are fatal.
 */
export function loadConfig(text: string, file: string, opts: LoadOptions = {}): { config: NetledgerConfig; errors: ConfigError[] } {
  const doc = parseUci(text, file);
  const errors: ConfigError[] = doc.errors_.slice(); // a UciError is a ConfigError without section or option
  const lines: Origins = {};
  const err: ErrorAt = (line, message, section, option) => {
    errors.push({ file_: file, line_: line, message_: message, section_: section, option_: option });
  };
  const c = validateDocument(doc, SCHEMA as unknown as AnySchema, lines, err) as unknown as NetledgerConfig;
  if (c.agent.sensor_id === '') c.agent.sensor_id = sensorIdFromHostname(opts.hostname ?? '');

  // Rules that involve more than one option: the error points at the option's line, else its section's.
  const at = (section: SectionType, option: string, message: string): void =>
    err(lines[`${section}.${option}`] ?? lines[section] ?? 1, message, section, option);
  // <base>_min must not exceed <base>_max.
  const ordered = (section: SectionType, base: string): void => {
    const v = c[section] as Record<string, number>;
    const lo = base + '_min';
    const hi = base + '_max';
    if (v[lo] > v[hi]) at(section, `${section}.${lo}` in lines ? lo : hi, `${lo} (${v[lo]}) is greater than ${hi} (${v[hi]})`);
  };
  const m = c.mqtt;
  if (m.enabled && !m.url) at('mqtt', 'url', 'required when mqtt is enabled');
  for (const o of ['ca_file', 'cert_file', 'key_file'] as const) {
    if (m[o] && m.url && !m.url.startsWith('mqtts://')) at('mqtt', o, 'only used with an mqtts:// url');
  }
  if (!m.cert_file !== !m.key_file) at('mqtt', m.cert_file ? 'cert_file' : 'key_file', 'cert_file and key_file go together');
  ordered('mqtt', 'reconnect');
  ordered('conntrack', 'proc_poll');
  ordered('conntrack', 'restart_backoff');
  if (c.spool.enabled && c.spool.max_bytes < c.batch.max_bytes) {
    at('spool', 'max_bytes', `smaller than one batch (batch.max_bytes ${c.batch.max_bytes})`);
  }
  errors.sort((a, b) => a.line_ - b.line_);
  return { config: c, errors };
}

export interface Setting {
  section_: SectionType;
  option_: string;
  /** As UCI text; secrets are shown as '***'. */
  value_: string;
  restart_?: boolean;
}

/** The options whose value in config differs from base (default: the defaults), in schema order. */
function changes(config: NetledgerConfig, base?: NetledgerConfig): Setting[] {
  const out: Setting[] = [];
  const schema = SCHEMA as unknown as AnySchema;
  for (const type of keysOf(schema) as SectionType[]) {
    const opts = schema[type].options;
    for (const name of keysOf(opts)) {
      const spec = opts[name];
      const v = (config[type] as Record<string, unknown>)[name];
      if (toJson(v) !== toJson(base ? (base[type] as Record<string, unknown>)[name] : spec.default)) {
        out.push({ section_: type, option_: name, value_: spec.secret ? '***' : spec.show(v).join(' '), restart_: spec.restart });
      }
    }
  }
  return out;
}

/** Options whose effective value differs from the default, in schema order. */
export const nonDefaults = (config: NetledgerConfig): Setting[] => changes(config);

/** Options that differ between two configs and need a restart to take effect ('section.option'). */
export const restartNeeded = (before: NetledgerConfig, after: NetledgerConfig): string[] =>
  changes(after, before).filter((s) => s.restart_).map((s) => `${s.section_}.${s.option_}`);
