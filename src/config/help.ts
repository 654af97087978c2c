// The help text of every config option: what it does, its unit and the trade-off of raising or
// lowering it; the name the default config gives each section; and each option's kind and
// accepted form in a few words, derived from its spec. The agent never prints these, so they stay out of its bundle (the size budget of
// issue 4): only the renderings of test/openwrt/render.ts (default UCI file, LuCI settings table,
// docs/config.md) and tests import this module. The type below makes a missing or stray entry a
// compile error.
import { SCHEMA } from './schema';
import type { OptionDoc } from './spec';
import { BOOL_FORM, BROKER_FORM } from './forms';

type Schema = typeof SCHEMA;
type SchemaHelp = { readonly [S in keyof Schema]: SectionHelp<keyof Schema[S]['options'] & string> };

export interface SectionHelp<K extends string = string> {
  readonly help: string;
  readonly options: { readonly [O in K]: string };
}

function section<const O extends Record<string, string>>(help: string, options: O): SectionHelp<keyof O & string> {
  return { help, options };
}

export const HELP = {
  agent: section('The agent process itself.', {
    enabled: 'Run the agent. 0 keeps the service from starting (the init script reads this).',
    sensor_id: "Names this router in every event (`sensor`) and in its MQTT topics (netledger/v1/<sensor id>/...), so no '+', '#', '/' or whitespace: letters, digits and - _ . : only, at most 64, not 'all'. Empty: the system hostname, other characters replaced by '_'.",
    state_dir: 'Runtime state, including status.json (read by `ubus call netledger status` and LuCI). Keep it on tmpfs: it is rewritten every status_interval.',
    status_interval: 'Seconds between rewrites of <state_dir>/status.json. Lower: fresher status in LuCI; higher: less work (it is tmpfs, so cheap either way).',
    memory_budget: 'Memory the agent may use, kB (qjs plus its conntrack and logread children), in status.json and health. A health sample over it raises a memory_budget alert (again only after it was back under 90 %). It caps nothing itself: the tables have their own limits (conntrack.max_flows, the join caps, pdns, ioc.max_indicators). 16 MB suits a 128 MB router.',
    log_level: "What the agent writes to syslog (through procd). 'debug' also logs every dropped input as it happens, by reason, with the line (its first 200 characters): for diagnosis only, as a flood of bad input becomes a flood of log lines.",
  }),

  dnsmasq: section("dnsmasq's query log: the source of dns events.", {
    enabled: 'Read the DNS query log: dns and pdns events, and the names the join gives flows.',
    input: "'logread': follow `logread -f` (OpenWrt's default, dnsmasq logs to syslog; set `option logqueries 1` in /etc/config/dhcp). 'file': follow `file` (dhcp `option logfacility /path`), cheaper: no syslog round trip. 'stdin': lines on standard input (tests, pipes).",
    file: "The log followed when input is 'file'; truncation and rotation are noticed. Keep it on tmpfs: dnsmasq writes a line per query.",
    log_format: "Line framing. 'auto' detects it per line (also RFC 3339 stamps). 'logread': `Sun Nov 22 23:45:31 2026 daemon.info dnsmasq[123]: ...`; 'syslog': `Nov 22 23:45:31 dnsmasq[123]: ...`, a host name allowed before the tag (dnsmasq's own file or `--log-facility=-`, no year); 'bare': the whole line is the message, stamped with the second it is read (piped input without timestamps). A forced framing drops a line of another as dnsmasq.framing_mismatch.",
    year: "Year of timestamps that carry none ('syslog' framing). 0: from the clock, and a date more than a day ahead is taken as last year, so a log read across New Year stays right. A fixed year is for replaying old logs.",
    utc_offset: "Log timestamps are local time. 'auto': the router's time zone (TZ). '+01:00' and the like fix the offset, e.g. to replay another router's logs. Events always carry UTC epoch seconds.",
    transaction_timeout: 'Seconds to wait for the reply lines of a query before emitting it with `complete: false`. Longer: fewer incomplete events behind slow upstreams; shorter: fewer open transactions in memory.',
    max_transactions: 'Most queries awaiting their reply at once (~0.5 kB each). Past it the oldest is emitted incomplete and counted as a drop. Bounds what a query flood can take.',
  }),

  conntrack: section("The kernel's connection tracking: the source of flow events.", {
    enabled: 'Track connections: flow events, DNS bypass alerts and IP indicator matches.',
    mode: "'events': run `conntrack -E` (conntrack package, kmod-nf-conntrack-netlink): exact starts and ends. 'proc': poll /proc/net/nf_conntrack: no extra package, but flows shorter than a poll are missed and ends are approximate. 'auto': events when the conntrack binary exists, else proc.",
    netlink_buffer: 'Receive buffer for conntrack events (`conntrack -E -b`), bytes. Larger: fewer ENOBUFS losses in bursts (each one restarts conntrack and reconciles from a table dump); costs kernel memory.',
    interim_interval: 'Seconds between interim records (`final: false`) of flows still open, so long connections show up before they end. 0: none. Lower: fresher data, more events.',
    max_flows: "Most open flows tracked (~0.1 kB each). Past it one is emitted unfinished and counted as a drop: the least recently reported (with interim records on; else the oldest). The kernel's own limit is net.netfilter.nf_conntrack_max.",
    proc_poll_min: 'proc mode: the fastest poll, seconds, used while flows churn. Lower: catches shorter flows, but the whole table is read each time (CPU).',
    proc_poll_max: 'proc mode: the slowest poll, seconds, used while the table is quiet.',
    restart_backoff_min: 'Seconds to wait before restarting conntrack after it exits (it does on ENOBUFS under load); doubled after each quick failure, up to restart_backoff_max.',
    restart_backoff_max: 'Longest wait between conntrack restarts, seconds. Higher: less churn when it keeps failing; longer blind spots.',
  }),

  devices: section('Who is who on the LAN: MAC addresses and hostnames for client addresses.', {
    leases_file: "dnsmasq's DHCPv4 lease file (dhcp.@dnsmasq[0].leasefile). Re-read when it changes.",
    lease_poll: 'Seconds between checks of leases_file for changes (a stat, cheap). Lower: a new client is named sooner.',
    ubus_leases: 'Also ask odhcpd for DHCPv6 leases (`ubus call dhcp ipv6leases`) so IPv6 clients get MAC and hostname. 0 where odhcpd is not used.',
    ubus_interval: 'Seconds between odhcpd lease calls (ten times longer after a failed call). Lower: IPv6 clients named sooner; each call forks ubus.',
    grace: 'How long an address keeps its MAC and hostname after its lease expired or vanished, seconds. Longer: late flows still named; shorter: less chance of naming a reused address after the wrong device.',
    max_devices: 'Most addresses remembered (~0.2 kB each). Past it the oldest go first, counted as drops.',
  }),

  join: section('Naming flows after the DNS answers their client received.', {
    answer_ttl: "How long an answer a client received may name that client's flows to the answered address, seconds, whatever the record's TTL (clients keep answers longer). Longer: more flows named, more memory, and a greater chance of a stale name where CDN addresses are reused.",
    max_per_client: 'Most remembered answers per client; the oldest go first. Bounds what one busy or hostile client can take.',
    max_answers: 'Most remembered answers in all (~25 bytes each plus the name). Past it the oldest go first, counted as drops.',
  }),

  bypass: section('Alerts when a LAN client resolves names without the router.', {
    enabled: 'Raise dns_bypass alerts (needs conntrack).',
    ports: 'Destination ports taken as DNS: 53 (plain) and 853 (DNS over TLS). A LAN client reaching them anywhere but the router or an `allow`ed resolver raises an alert. DNS over HTTPS on 443 cannot be told apart from web traffic here.',
    allow: 'Resolvers clients may use directly without an alert: addresses or CIDR prefixes (192.0.2.53, 2001:db8::/32).',
    window: 'At most one dns_bypass alert per client and resolver per window, seconds. Shorter: more alerts about the same behaviour.',
  }),

  health: section('Periodic health events about the router and the agent.', {
    interval: 'Seconds between health events (memory, load, conntrack fill, process sizes, counters). Lower: finer graphs, more messages.',
    watch: 'Processes (by /proc/<pid>/comm name) whose RSS is reported in `watched` and checked for growth.',
    growth_alert: 'Raise memory_growth / process_growth alerts when the agent or a watched process has grown by more than this many kB since it started. 0: never. Lower: earlier warning of leaks, more false alarms while caches fill.',
  }),

  output: section('A local NDJSON copy of the events (debugging, or a collector that tails a file).', {
    enabled: 'Write events as NDJSON, one JSON object per line.',
    file: "Where to write them; '-' is standard output (procd sends it to syslog: noisy). On /tmp the file lives in RAM: see max_bytes.",
    max_bytes: 'Size at which the file is moved to <file>.1 (one old file kept). 0: never (careful on /tmp, which is RAM).',
  }),

  mqtt: section('The MQTT broker events are shipped to.', {
    enabled: 'Ship events to the broker in `url`.',
    url: 'Broker address: mqtt://host[:port] (plain, port 1883) or mqtts://host[:port] (TLS, port 8883); IPv6 in brackets. Required when enabled. Events go to netledger/v1/<sensor id>/<stream>.',
    client_id: 'MQTT client id, 1..128 printable ASCII characters without spaces (MQTT 3.1.1 promises only 23 letters and digits; most brokers take more). Empty: the sensor id. Must be unique on the broker: two clients with one id keep knocking each other off.',
    username: 'User name for the broker, if it asks for one (instead of user@ in url).',
    password: 'Password for the broker. Stored in clear in /etc/config/netledger: keep that file mode 0600.',
    ca_file: "PEM CA certificates to verify the broker (mqtts). Empty: the system's /etc/ssl/certs.",
    cert_file: 'PEM client certificate, for brokers that authenticate clients by certificate (mqtts; needs key_file).',
    key_file: 'PEM private key of cert_file. Keep it mode 0600.',
    verify_hostname: "Check that the broker's certificate names the host in url. 0 still checks that a CA of ca_file signed it, but then any certificate that CA signed passes for the broker (with the system CAs: any public certificate): only for lab brokers with their own CA, addressed by IP.",
    keepalive: 'MQTT keep alive, seconds: a ping after this much silence; the broker drops a client silent for 1.5 times it. Lower: a dead link is noticed sooner, more pings on metered uplinks. 0: off.',
    qos: 'QoS of the event batches (status messages always use 1). 0: at most once: a batch leaves the spool once written to the broker link, so one written into a link that drops is lost; fewer packets. 1: at least once: each batch stays in the spool until the broker acknowledges it; a reconnect may duplicate one. Either way batches wait in the spool while the broker is unreachable. QoS 2 is not offered.',
    inflight: 'Batches sent and not yet acknowledged (QoS 1). Higher: more throughput over slow links, more memory held and more duplicates after a reconnect.',
    reconnect_min: 'Seconds to wait before reconnecting after a failure; doubled (with jitter) after each failure up to reconnect_max.',
    reconnect_max: 'Longest wait between reconnect attempts, seconds. Lower: back sooner after an outage; more attempts against a broker that is down.',
  }),

  batch: section('Events travel in batches: sent when any one limit is reached.', {
    max_events: 'Send a batch when it holds this many events. Larger batches compress better and cost fewer messages.',
    max_bytes: "Send a batch when its encoding reaches this many bytes. Keep it below the broker's message size limit.",
    max_age: 'Send a batch when its oldest event is this old, seconds. Lower: fresher data at the collector, more messages; higher: fewer wake-ups and better compression.',
  }),

  spool: section('Batches kept while the broker is away, sent when it is back.', {
    enabled: 'Keep unacknowledged batches on disk while the broker is unreachable.',
    dir: 'Directory of spooled batches. /tmp is RAM: it rides out broker outages, not reboots. A flash path survives reboots but wears the flash.',
    max_bytes: "Most bytes the spool holds. 4 MB is about 3% of a 128 MB router's RAM when on /tmp. When full the oldest batches go first, counted as drops.",
  }),

  streams: section('Which kinds of event are sent.', {
    dns: 'One event per DNS transaction. The largest stream on a busy network; without it pdns and alerts still flow.',
    flow: 'One event per connection (plus interim records of long ones).',
    pdns: 'Passive DNS: distinct answers aggregated per window (see the pdns section).',
    alert: 'Alerts: indicator matches, DNS bypass, memory growth and memory budget.',
    health: 'Periodic health events (see the health section).',
  }),

  pdns: section('Passive DNS aggregation (records in the COF format).', {
    window: 'Aggregation window, seconds: one record per (rrname, rrtype, rdata set) per window, with count and first/last seen. Longer: fewer records and coarser times, more memory.',
    max_records: 'Most distinct records held in a window (~150 bytes each); when full the window is sent early, counted.',
  }),

  ioc: section('Indicators of compromise to match DNS names and flow addresses against.', {
    feed: "Indicator files: one domain or IP address per line, '#' comments. A queried name (or a parent domain of it) or a flow address that matches raises an alert naming file:line (source_ref).",
    max_indicators: 'Most indicators in one list: all feeds together, or one ioc command (a load of 50,000 adds 8-12 MB to the agent at its peak under qjs). A longer list is refused whole (counted as ioc_load_rejected; for feeds also a warning), and the list loaded before stays.',
  }),
} satisfies SchemaHelp;

const has = (o: object, k: string): boolean => Object.hasOwn(o, k);

/** The help of section type `type`, or undefined. */
export function sectionHelp(type: string): string | undefined {
  return has(HELP, type) ? (HELP as Record<string, SectionHelp>)[type].help : undefined;
}

/** The help of option `type`.`option`, or undefined. */
export function optionHelp(type: string, option: string): string | undefined {
  if (!has(HELP, type)) return undefined;
  const opts = (HELP as Record<string, SectionHelp>)[type].options;
  return has(opts, option) ? opts[option] : undefined;
}

/** The name the default config gives each section (`config <type> '<name>'`); any name is accepted. */
export const SECTION_NAMES = {
  agent: 'main', dnsmasq: 'dns', conntrack: 'flows', devices: 'devices', join: 'join', bypass: 'bypass', health: 'health',
  output: 'out', mqtt: 'mqtt', batch: 'batch', spool: 'spool', streams: 'streams', pdns: 'pdns', ioc: 'ioc',
} satisfies Record<keyof Schema, string>;

export function sectionName(type: string): string | undefined {
  return has(SECTION_NAMES, type) ? (SECTION_NAMES as Record<string, string>)[type] : undefined;
}

export type OptionKind = 'string' | 'int' | 'bool' | 'enum' | 'list' | 'hostport' | 'path' | 'duration';

export interface OptionDescription {
  kind: OptionKind;
  /** The accepted form in a few words (docs/config.md, the LuCI view). */
  form: string;
  /** Enum choices. */
  values?: readonly string[];
}

/** The forms of the text options that take only some texts (any other text option: 'text'). */
const TEXT_FORMS: Record<string, string> = {
  'agent.sensor_id': 'letters, digits and - _ . : (1..64)',
  'dnsmasq.utc_offset': "'auto' or +HH:MM / -HH:MM",
  'bypass.allow': 'address or CIDR',
  'health.watch': 'process name',
  'mqtt.url': BROKER_FORM,
  'mqtt.client_id': 'printable ASCII, no spaces (1..128)',
};

function describe(doc: OptionDoc, key: string): OptionDescription {
  switch (doc[0]) {
    case 'string': return { kind: 'string', form: TEXT_FORMS[key] ?? 'text' };
    case 'int': return { kind: 'int', form: `integer ${doc[1]}..${doc[2]}${doc[3] ? ' ' + doc[3] : ''}` };
    case 'bool': return { kind: 'bool', form: BOOL_FORM };
    case 'enum': return { kind: 'enum', form: doc[1].join('|'), values: doc[1] };
    case 'duration': return { kind: 'duration', form: `seconds ${doc[1]}..${doc[2]} (or with s/m/h/d)` };
    case 'path': return { kind: 'path', form: doc[1] ? "absolute path or '-'" : 'absolute path' };
    case 'hostport': return { kind: 'hostport', form: doc[1] ? 'host[:port]' : 'host:port' };
    case 'list': return { kind: 'list', form: `list of ${describe(doc[1].doc_, key).form}` };
  }
}

/** Kind, form and choices of option `type`.`option`, or undefined. */
export function optionDoc(type: string, option: string): OptionDescription | undefined {
  if (!has(SCHEMA, type)) return undefined;
  const opts = (SCHEMA as unknown as Record<string, { options: Record<string, { doc_: OptionDoc }> }>)[type].options;
  return has(opts, option) ? describe(opts[option].doc_, `${type}.${option}`) : undefined;
}
