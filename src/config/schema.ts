// The one config schema: every option of /etc/config/netledger with its form, default, help
// (units and trade-offs) and whether a change needs a restart. The default UCI file, the init
// script, the LuCI view and docs/config.md are checked against this table by tests.
import { parseUci } from './uci';
import { section, str, int, bool, oneOf, duration, path, list, type ValueOf, type OptionSpec } from './spec';
import { checkBrokerUrl, readCidr, readProcessName, readSensorId, readUtcOffset, sensorIdFromHostname } from './forms';
import { validateDocument, type AnySchema, type ConfigError, type Origins } from './validate';

export { formatConfigError, type ConfigError } from './validate';

export const SCHEMA = {
  agent: section('main', 'The agent process itself.', {
    enabled: bool({ default: true, restart: true,
      help: 'Run the agent. 0 keeps the service from starting (the init script reads this).' }),
    sensor_id: str({ default: '', restart: true, check: readSensorId, form: 'letters, digits and - _ . : (1..64)',
      help: "Names this router in every event (`sensor`) and in its MQTT topics (netledger/v1/<sensor id>/...), so no '+', '#', '/' or whitespace: letters, digits and - _ . : only, at most 64, not 'all'. Empty: the system hostname, other characters replaced by '_'." }),
    state_dir: path({ default: '/var/run/netledger', restart: true,
      help: 'Runtime state, including status.json (read by `ubus call netledger status` and LuCI). Keep it on tmpfs: it is rewritten every status_interval.' }),
    status_interval: duration({ default: 10, min: 1, max: 3600,
      help: 'Seconds between rewrites of <state_dir>/status.json. Lower: fresher status in LuCI; higher: less work (it is tmpfs, so cheap either way).' }),
    memory_budget: int({ default: 16384, min: 2048, max: 1048576, unit: 'kB',
      help: 'Memory the agent may use, kB (qjs plus its conntrack and logread children). Over it, caches are trimmed and a memory_growth alert is raised. 16 MB suits a 128 MB router; more allows bigger tables.' }),
    log_level: oneOf({ values: ['error', 'warn', 'info', 'debug'] as const, default: 'info',
      help: "What the agent writes to syslog (through procd). 'debug' logs per-line detail and costs CPU: for diagnosis only." }),
  }),

  dnsmasq: section('dns', "dnsmasq's query log: the source of dns events.", {
    enabled: bool({ default: true, restart: true, help: 'Read the DNS query log: dns and pdns events, and the names the join gives flows.' }),
    input: oneOf({ values: ['logread', 'file', 'stdin'] as const, default: 'logread', restart: true,
      help: "'logread': follow `logread -f` (OpenWrt's default, dnsmasq logs to syslog; set `option logqueries 1` in /etc/config/dhcp). 'file': follow `file` (dhcp `option logfacility /path`), cheaper: no syslog round trip. 'stdin': lines on standard input (tests, pipes)." }),
    file: path({ default: '/tmp/dnsmasq.log', restart: true,
      help: "The log followed when input is 'file'; truncation and rotation are noticed. Keep it on tmpfs: dnsmasq writes a line per query." }),
    log_format: oneOf({ values: ['auto', 'logread', 'syslog', 'bare'] as const, default: 'auto',
      help: "Line framing. 'auto' detects it per line. 'logread': `Sun Nov 22 23:45:31 2026 daemon.info dnsmasq[123]: ...`; 'syslog': `Nov 22 23:45:31 dnsmasq[123]: ...` (dnsmasq's own file, no year); 'bare': the message only (the time of reading is used)." }),
    year: int({ default: 0, min: 0, max: 2100,
      help: "Year of timestamps that carry none ('syslog' framing). 0: from the clock, and a date more than a day ahead is taken as last year, so a log read across New Year stays right. A fixed year is for replaying old logs." }),
    utc_offset: str({ default: 'auto', check: readUtcOffset, form: "'auto' or +HH:MM / -HH:MM",
      help: "Log timestamps are local time. 'auto': the router's time zone (TZ). '+01:00' and the like fix the offset, e.g. to replay another router's logs. Events always carry UTC epoch seconds." }),
    transaction_timeout: duration({ default: 10, min: 1, max: 300,
      help: 'Seconds to wait for the reply lines of a query before emitting it with `complete: false`. Longer: fewer incomplete events behind slow upstreams; shorter: fewer open transactions in memory.' }),
    max_transactions: int({ default: 2048, min: 16, max: 65536, unit: 'transactions',
      help: 'Most queries awaiting their reply at once (~0.5 kB each). Past it the oldest is emitted incomplete and counted as a drop. Bounds what a query flood can take.' }),
  }),

  conntrack: section('flows', "The kernel's connection tracking: the source of flow events.", {
    enabled: bool({ default: true, restart: true, help: 'Track connections: flow events, DNS bypass alerts and IP indicator matches.' }),
    mode: oneOf({ values: ['auto', 'events', 'proc'] as const, default: 'auto', restart: true,
      help: "'events': run `conntrack -E` (conntrack package, kmod-nf-conntrack-netlink): exact starts and ends. 'proc': poll /proc/net/nf_conntrack: no extra package, but flows shorter than a poll are missed and ends are approximate. 'auto': events when the conntrack binary exists, else proc." }),
    netlink_buffer: int({ default: 1048576, min: 65536, max: 16777216, unit: 'bytes', restart: true,
      help: 'Receive buffer for conntrack events (`conntrack -E -b`), bytes. Larger: fewer ENOBUFS losses in bursts (each one restarts conntrack and reconciles from a table dump); costs kernel memory.' }),
    interim_interval: duration({ default: 300, min: 0, max: 86400,
      help: 'Seconds between interim records (`final: false`) of flows still open, so long connections show up before they end. 0: none. Lower: fresher data, more events.' }),
    max_flows: int({ default: 16384, min: 256, max: 1048576, unit: 'flows',
      help: "Most open flows tracked (~0.3 kB each). Past it the oldest is emitted unfinished and counted as a drop. The kernel's own limit is net.netfilter.nf_conntrack_max." }),
    proc_poll_min: duration({ default: 2, min: 0.5, max: 60,
      help: 'proc mode: the fastest poll, seconds, used while flows churn. Lower: catches shorter flows, but the whole table is read each time (CPU).' }),
    proc_poll_max: duration({ default: 30, min: 1, max: 600,
      help: 'proc mode: the slowest poll, seconds, used while the table is quiet.' }),
    restart_backoff_min: duration({ default: 1, min: 0.1, max: 60,
      help: 'Seconds to wait before restarting conntrack after it exits (it does on ENOBUFS under load); doubled after each quick failure, up to restart_backoff_max.' }),
    restart_backoff_max: duration({ default: 60, min: 1, max: 3600,
      help: 'Longest wait between conntrack restarts, seconds. Higher: less churn when it keeps failing; longer blind spots.' }),
  }),

  devices: section('devices', 'Who is who on the LAN: MAC addresses and hostnames for client addresses.', {
    leases_file: path({ default: '/tmp/dhcp.leases',
      help: "dnsmasq's DHCPv4 lease file (dhcp.@dnsmasq[0].leasefile). Re-read when it changes." }),
    lease_poll: duration({ default: 2, min: 0.5, max: 600,
      help: 'Seconds between checks of leases_file for changes (a stat, cheap). Lower: a new client is named sooner.' }),
    ubus_leases: bool({ default: true,
      help: 'Also ask odhcpd for DHCPv6 leases (`ubus call dhcp ipv6leases`) so IPv6 clients get MAC and hostname. 0 where odhcpd is not used.' }),
    ubus_interval: duration({ default: 30, min: 5, max: 3600,
      help: 'Seconds between odhcpd lease calls (ten times longer after a failed call). Lower: IPv6 clients named sooner; each call forks ubus.' }),
    grace: duration({ default: 10800, min: 0, max: 604800,
      help: 'How long an address keeps its MAC and hostname after its lease expired or vanished, seconds. Longer: late flows still named; shorter: less chance of naming a reused address after the wrong device.' }),
    max_devices: int({ default: 4096, min: 16, max: 262144, unit: 'addresses',
      help: 'Most addresses remembered (~0.2 kB each). Past it the oldest go first, counted as drops.' }),
  }),

  join: section('join', 'Naming flows after the DNS answers their client received.', {
    answer_ttl: duration({ default: 3600, min: 10, max: 86400,
      help: "How long an answer a client received may name that client's flows to the answered address, seconds, whatever the record's TTL (clients keep answers longer). Longer: more flows named, more memory, and a greater chance of a stale name where CDN addresses are reused." }),
    max_per_client: int({ default: 10000, min: 16, max: 1048576, unit: 'answers',
      help: 'Most remembered answers per client; the oldest go first. Bounds what one busy or hostile client can take.' }),
    max_answers: int({ default: 50000, min: 256, max: 4194304, unit: 'answers',
      help: 'Most remembered answers in all (~100 bytes each). Past it the oldest go first, counted as drops.' }),
  }),

  bypass: section('bypass', 'Alerts when a LAN client resolves names without the router.', {
    enabled: bool({ default: true, help: 'Raise dns_bypass alerts (needs conntrack).' }),
    ports: list({ default: [53, 853], item: int({ default: 0, min: 1, max: 65535, help: '' }), maxItems: 64,
      help: "Destination ports taken as DNS: 53 (plain) and 853 (DNS over TLS). A LAN client reaching them anywhere but the router or an `allow`ed resolver raises an alert. DNS over HTTPS on 443 cannot be told apart from web traffic here." }),
    allow: list({ default: [], item: str({ default: '', check: readCidr, form: 'address or CIDR', help: '' }),
      help: 'Resolvers clients may use directly without an alert: addresses or CIDR prefixes (192.0.2.53, 2001:db8::/32).' }),
    window: duration({ default: 3600, min: 10, max: 86400,
      help: 'At most one dns_bypass alert per client and resolver per window, seconds. Shorter: more alerts about the same behaviour.' }),
  }),

  health: section('health', 'Periodic health events about the router and the agent.', {
    interval: duration({ default: 60, min: 5, max: 86400,
      help: 'Seconds between health events (memory, load, conntrack fill, process sizes, counters). Lower: finer graphs, more messages.' }),
    watch: list({ default: ['dnsmasq'], item: str({ default: '', check: readProcessName, form: 'process name', help: '' }),
      help: 'Processes (by /proc/<pid>/comm name) whose RSS is reported in `watched` and checked for growth.' }),
    growth_alert: int({ default: 8192, min: 0, max: 1048576, unit: 'kB',
      help: 'Raise memory_growth / process_growth alerts when the agent or a watched process has grown by more than this many kB since it started. 0: never. Lower: earlier warning of leaks, more false alarms while caches fill.' }),
  }),

  output: section('out', 'A local NDJSON copy of the events (debugging, or a collector that tails a file).', {
    enabled: bool({ default: false, help: 'Write events as NDJSON, one JSON object per line.' }),
    file: path({ default: '/tmp/netledger.ndjson', allowDash: true,
      help: "Where to write them; '-' is standard output (procd sends it to syslog: noisy). On /tmp the file lives in RAM: see max_bytes." }),
    max_bytes: int({ default: 1048576, min: 0, max: 1073741824, unit: 'bytes',
      help: 'Size at which the file is moved to <file>.1 (one old file kept). 0: never (careful on /tmp, which is RAM).' }),
  }),

  mqtt: section('mqtt', 'The MQTT broker events are shipped to.', {
    enabled: bool({ default: false, restart: true, help: 'Ship events to the broker in `url`.' }),
    url: str({ default: '', restart: true, check: checkBrokerUrl, form: 'mqtt://host[:port] or mqtts://host[:port]',
      help: 'Broker address: mqtt://host[:port] (plain, port 1883) or mqtts://host[:port] (TLS, port 8883); IPv6 in brackets. Required when enabled. Events go to netledger/v1/<sensor id>/<stream>.' }),
    client_id: str({ default: '', restart: true,
      help: "MQTT client id. Empty: 'netledger-<sensor id>'. Must be unique on the broker: two clients with one id keep knocking each other off." }),
    username: str({ default: '', restart: true, help: 'User name for the broker, if it asks for one (instead of user@ in url).' }),
    password: str({ default: '', restart: true, secret: true,
      help: 'Password for the broker. Stored in clear in /etc/config/netledger: keep that file mode 0600.' }),
    ca_file: path({ default: '', restart: true,
      help: "PEM CA certificates to verify the broker (mqtts). Empty: the system's /etc/ssl/certs." }),
    cert_file: path({ default: '', restart: true, help: 'PEM client certificate, for brokers that authenticate clients by certificate (mqtts; needs key_file).' }),
    key_file: path({ default: '', restart: true, help: 'PEM private key of cert_file. Keep it mode 0600.' }),
    verify_hostname: bool({ default: true, restart: true,
      help: "Check that the broker's certificate names the host in url. 0 lets anyone in the path impersonate the broker: only for lab brokers addressed by IP." }),
    keepalive: int({ default: 60, min: 0, max: 65535, unit: 'seconds', restart: true,
      help: 'MQTT keep alive, seconds: a ping after this much silence; the broker drops a client silent for 1.5 times it. Lower: a dead link is noticed sooner, more pings on metered uplinks. 0: off.' }),
    qos: int({ default: 1, min: 0, max: 1,
      help: '0: at most once (a batch in flight when the link drops is lost). 1: at least once: each batch is kept (memory, then spool) until the broker acknowledges it; a reconnect may duplicate one. QoS 2 is not offered.' }),
    inflight: int({ default: 16, min: 1, max: 256, unit: 'batches',
      help: 'Batches sent and not yet acknowledged (QoS 1). Higher: more throughput over slow links, more memory held and more duplicates after a reconnect.' }),
    reconnect_min: duration({ default: 1, min: 0.1, max: 3600,
      help: 'Seconds to wait before reconnecting after a failure; doubled (with jitter) after each failure up to reconnect_max.' }),
    reconnect_max: duration({ default: 300, min: 1, max: 86400,
      help: 'Longest wait between reconnect attempts, seconds. Lower: back sooner after an outage; more attempts against a broker that is down.' }),
  }),

  batch: section('batch', 'Events travel in batches: sent when any one limit is reached.', {
    max_events: int({ default: 500, min: 1, max: 10000, unit: 'events',
      help: 'Send a batch when it holds this many events. Larger batches compress better and cost fewer messages.' }),
    max_bytes: int({ default: 65536, min: 1024, max: 1048576, unit: 'bytes',
      help: "Send a batch when its encoding reaches this many bytes. Keep it below the broker's message size limit." }),
    max_age: duration({ default: 5, min: 0.1, max: 300,
      help: 'Send a batch when its oldest event is this old, seconds. Lower: fresher data at the collector, more messages; higher: fewer wake-ups and better compression.' }),
  }),

  spool: section('spool', 'Batches kept while the broker is away, sent when it is back.', {
    enabled: bool({ default: true, help: 'Keep unacknowledged batches on disk while the broker is unreachable.' }),
    dir: path({ default: '/tmp/netledger-spool', restart: true,
      help: 'Directory of spooled batches. /tmp is RAM: it rides out broker outages, not reboots. A flash path survives reboots but wears the flash.' }),
    max_bytes: int({ default: 4194304, min: 65536, max: 1073741824, unit: 'bytes',
      help: "Most bytes the spool holds. 4 MB is about 3% of a 128 MB router's RAM when on /tmp. When full the oldest batches go first, counted as drops." }),
  }),

  streams: section('streams', 'Which kinds of event are sent.', {
    dns: bool({ default: true, help: 'One event per DNS transaction. The largest stream on a busy network; without it pdns and alerts still flow.' }),
    flow: bool({ default: true, help: 'One event per connection (plus interim records of long ones).' }),
    pdns: bool({ default: true, help: 'Passive DNS: distinct answers aggregated per window (see the pdns section).' }),
    alert: bool({ default: true, help: 'Alerts: indicator matches, DNS bypass, memory growth.' }),
    health: bool({ default: true, help: 'Periodic health events (see the health section).' }),
  }),

  pdns: section('pdns', 'Passive DNS aggregation (records in the COF format).', {
    window: duration({ default: 3600, min: 60, max: 86400,
      help: 'Aggregation window, seconds: one record per (rrname, rrtype, rdata set) per window, with count and first/last seen. Longer: fewer records and coarser times, more memory.' }),
    max_records: int({ default: 8192, min: 64, max: 1048576, unit: 'records',
      help: 'Most distinct records held in a window (~150 bytes each); when full the window is sent early, counted.' }),
  }),

  ioc: section('ioc', 'Indicators of compromise to match DNS names and flow addresses against.', {
    feed: list({ default: [], item: path({ default: '', help: '' }),
      help: "Indicator files: one domain or IP address per line, '#' comments. A queried name (or a parent domain of it) or a flow address that matches raises an alert naming file:line (source_ref)." }),
    max_indicators: int({ default: 50000, min: 0, max: 1000000, unit: 'indicators',
      help: 'Most indicators loaded from all feeds (~60 bytes each). Lines past it are skipped and counted.' }),
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
    origins.options[section]?.[option] ?? origins.sections[section] ?? 1;
  const err = (section: SectionType, option: string, message: string): void => {
    errors.push({ file, line: at(section, option), section, option, message });
  };
  const ordered = (section: SectionType, lo: string, hi: string): void => {
    const v = c[section] as Record<string, unknown>;
    if ((v[lo] as number) > (v[hi] as number)) {
      err(section, origins.options[section]?.[lo] !== undefined ? lo : hi, `${lo} (${v[lo]}) is greater than ${hi} (${v[hi]})`);
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
