'use strict';
'require view';
'require rpc';
'require poll';
'require form';
'require uci';
'require dom';
'require ui';

// netledger status and settings. Status comes from the agent's rpcd plugin
// (`ubus call netledger status`, /usr/libexec/rpcd/netledger); the settings form is
// generated from the config schema (src/config/schema.ts): titles, help, defaults and choices
// between the markers below are checked against it by test/openwrt/luci.test.ts.

var callStatus = rpc.declare({
	object: 'netledger',
	method: 'status',
	expect: { '': {} }
});

var callConfigCheck = rpc.declare({
	object: 'netledger',
	method: 'config_check',
	expect: { '': {} }
});

// BEGIN SETTINGS (generated from src/config/schema.ts)
var SECTIONS = [
	["agent", _("Agent"), _("The agent process itself.")],
	["dnsmasq", _("DNS log"), _("dnsmasq's query log: the source of dns events.")],
	["conntrack", _("Connections"), _("The kernel's connection tracking: the source of flow events.")],
	["devices", _("Devices"), _("Who is who on the LAN: MAC addresses and hostnames for client addresses.")],
	["join", _("DNS-to-flow join"), _("Naming flows after the DNS answers their client received.")],
	["bypass", _("DNS bypass"), _("Alerts when a LAN client resolves names without the router.")],
	["health", _("Health"), _("Periodic health events about the router and the agent.")],
	["output", _("Local NDJSON"), _("A local NDJSON copy of the events (debugging, or a collector that tails a file).")],
	["mqtt", _("MQTT"), _("The MQTT broker events are shipped to.")],
	["batch", _("Batches"), _("Events travel in batches: sent when any one limit is reached.")],
	["spool", _("Spool"), _("Batches kept while the broker is away, sent when it is back.")],
	["streams", _("Streams"), _("Which kinds of event are sent.")],
	["pdns", _("Passive DNS"), _("Passive DNS aggregation (records in the COF format).")],
	["ioc", _("Indicators"), _("Indicators of compromise to match DNS names and flow addresses against.")],
];

var SETTINGS = [
	["agent", "enabled", "Flag", _("Enable agent"), _("Run the agent. 0 keeps the service from starting (the init script reads this). [restart]"), "1", {}],
	["agent", "sensor_id", "Value", _("Sensor id"), _("Names this router in every event (`sensor`) and in its MQTT topics (netledger/v1/<sensor id>/...), so no '+', '#', '/' or whitespace: letters, digits and - _ . : only, at most 64, not 'all'. Empty: the system hostname, other characters replaced by '_'. [restart]"), "", {}],
	["agent", "state_dir", "Value", _("State directory"), _("Runtime state, including status.json (read by `ubus call netledger status` and LuCI). Keep it on tmpfs: it is rewritten every status_interval. [restart]"), "/var/run/netledger", {"datatype":"string"}],
	["agent", "status_interval", "Value", _("Status interval (s)"), _("Seconds between rewrites of <state_dir>/status.json. Lower: fresher status in LuCI; higher: less work (it is tmpfs, so cheap either way)."), "10", {"datatype":"ufloat"}],
	["agent", "memory_budget", "Value", _("Memory budget (kB)"), _("Memory the agent may use, kB (qjs plus its conntrack and logread children), in status.json and health. A health sample over it raises a memory_budget alert (again only after it was back under 90 %). It caps nothing itself: the tables have their own limits (conntrack.max_flows, the join caps, pdns, ioc.max_indicators). 16 MB suits a 128 MB router."), "16384", {"datatype":"range(2048,1048576)"}],
	["agent", "log_level", "ListValue", _("Log level"), _("What the agent writes to syslog (through procd). 'debug' also logs every dropped input as it happens, by reason, with the line (its first 200 characters): for diagnosis only, as a flood of bad input becomes a flood of log lines."), "info", {"values":["error","warn","info","debug"]}],
	["dnsmasq", "enabled", "Flag", _("Read DNS log"), _("Read the DNS query log: dns and pdns events, and the names the join gives flows. [restart]"), "1", {}],
	["dnsmasq", "input", "ListValue", _("Log input"), _("'logread': follow `logread -f` (OpenWrt's default, dnsmasq logs to syslog; set `option logqueries 1` in /etc/config/dhcp). 'file': follow `file` (dhcp `option logfacility /path`), cheaper: no syslog round trip. 'stdin': lines on standard input (tests, pipes). [restart]"), "logread", {"values":["logread","file","stdin"]}],
	["dnsmasq", "file", "Value", _("Log file"), _("The log followed when input is 'file'; truncation and rotation are noticed. Keep it on tmpfs: dnsmasq writes a line per query. [restart]"), "/tmp/dnsmasq.log", {"datatype":"string"}],
	["dnsmasq", "log_format", "ListValue", _("Line framing"), _("Line framing. 'auto' detects it per line (also RFC 3339 stamps). 'logread': `Sun Nov 22 23:45:31 2026 daemon.info dnsmasq[123]: ...`; 'syslog': `Nov 22 23:45:31 dnsmasq[123]: ...`, a host name allowed before the tag (dnsmasq's own file or `--log-facility=-`, no year); 'bare': the whole line is the message, stamped with the second it is read (piped input without timestamps). A forced framing drops a line of another as dnsmasq.framing_mismatch."), "auto", {"values":["auto","logread","syslog","bare"]}],
	["dnsmasq", "year", "Value", _("Year"), _("Year of timestamps that carry none ('syslog' framing). 0: from the clock, and a date more than a day ahead is taken as last year, so a log read across New Year stays right. A fixed year is for replaying old logs."), "0", {"datatype":"range(0,2100)"}],
	["dnsmasq", "utc_offset", "Value", _("UTC offset"), _("Log timestamps are local time. 'auto': the router's time zone (TZ). '+01:00' and the like fix the offset, e.g. to replay another router's logs. Events always carry UTC epoch seconds."), "auto", {}],
	["dnsmasq", "transaction_timeout", "Value", _("Transaction timeout (s)"), _("Seconds to wait for the reply lines of a query before emitting it with `complete: false`. Longer: fewer incomplete events behind slow upstreams; shorter: fewer open transactions in memory."), "10", {"datatype":"ufloat"}],
	["dnsmasq", "max_transactions", "Value", _("Open transactions"), _("Most queries awaiting their reply at once (~0.5 kB each). Past it the oldest is emitted incomplete and counted as a drop. Bounds what a query flood can take."), "2048", {"datatype":"range(16,65536)"}],
	["conntrack", "enabled", "Flag", _("Track connections"), _("Track connections: flow events, DNS bypass alerts and IP indicator matches. [restart]"), "1", {}],
	["conntrack", "mode", "ListValue", _("Mode"), _("'events': run `conntrack -E` (conntrack package, kmod-nf-conntrack-netlink): exact starts and ends. 'proc': poll /proc/net/nf_conntrack: no extra package, but flows shorter than a poll are missed and ends are approximate. 'auto': events when the conntrack binary exists, else proc. [restart]"), "auto", {"values":["auto","events","proc"]}],
	["conntrack", "netlink_buffer", "Value", _("Netlink buffer (bytes)"), _("Receive buffer for conntrack events (`conntrack -E -b`), bytes. Larger: fewer ENOBUFS losses in bursts (each one restarts conntrack and reconciles from a table dump); costs kernel memory. [restart]"), "1048576", {"datatype":"range(65536,16777216)"}],
	["conntrack", "interim_interval", "Value", _("Interim interval (s)"), _("Seconds between interim records (`final: false`) of flows still open, so long connections show up before they end. 0: none. Lower: fresher data, more events."), "300", {"datatype":"ufloat"}],
	["conntrack", "max_flows", "Value", _("Open flows"), _("Most open flows tracked (~0.1 kB each). Past it one is emitted unfinished and counted as a drop: the least recently reported (with interim records on; else the oldest). The kernel's own limit is net.netfilter.nf_conntrack_max."), "16384", {"datatype":"range(256,1048576)"}],
	["conntrack", "proc_poll_min", "Value", _("Fastest poll (s)"), _("proc mode: the fastest poll, seconds, used while flows churn. Lower: catches shorter flows, but the whole table is read each time (CPU)."), "2", {"datatype":"ufloat"}],
	["conntrack", "proc_poll_max", "Value", _("Slowest poll (s)"), _("proc mode: the slowest poll, seconds, used while the table is quiet."), "30", {"datatype":"ufloat"}],
	["conntrack", "restart_backoff_min", "Value", _("Restart backoff, min (s)"), _("Seconds to wait before restarting conntrack after it exits (it does on ENOBUFS under load); doubled after each quick failure, up to restart_backoff_max."), "1", {"datatype":"ufloat"}],
	["conntrack", "restart_backoff_max", "Value", _("Restart backoff, max (s)"), _("Longest wait between conntrack restarts, seconds. Higher: less churn when it keeps failing; longer blind spots."), "60", {"datatype":"ufloat"}],
	["devices", "leases_file", "Value", _("DHCP lease file"), _("dnsmasq's DHCPv4 lease file (dhcp.@dnsmasq[0].leasefile). Re-read when it changes."), "/tmp/dhcp.leases", {"datatype":"string"}],
	["devices", "lease_poll", "Value", _("Lease file check (s)"), _("Seconds between checks of leases_file for changes (a stat, cheap). Lower: a new client is named sooner."), "2", {"datatype":"ufloat"}],
	["devices", "ubus_leases", "Flag", _("odhcpd leases"), _("Also ask odhcpd for DHCPv6 leases (`ubus call dhcp ipv6leases`) so IPv6 clients get MAC and hostname. 0 where odhcpd is not used."), "1", {}],
	["devices", "ubus_interval", "Value", _("odhcpd interval (s)"), _("Seconds between odhcpd lease calls (ten times longer after a failed call). Lower: IPv6 clients named sooner; each call forks ubus."), "30", {"datatype":"ufloat"}],
	["devices", "grace", "Value", _("Grace after lease end (s)"), _("How long an address keeps its MAC and hostname after its lease expired or vanished, seconds. Longer: late flows still named; shorter: less chance of naming a reused address after the wrong device."), "10800", {"datatype":"ufloat"}],
	["devices", "max_devices", "Value", _("Addresses remembered"), _("Most addresses remembered (~0.2 kB each). Past it the oldest go first, counted as drops."), "4096", {"datatype":"range(16,262144)"}],
	["join", "answer_ttl", "Value", _("Answer lifetime (s)"), _("How long an answer a client received may name that client's flows to the answered address, seconds, whatever the record's TTL (clients keep answers longer). Longer: more flows named, more memory, and a greater chance of a stale name where CDN addresses are reused."), "3600", {"datatype":"ufloat"}],
	["join", "max_per_client", "Value", _("Answers per client"), _("Most remembered answers per client; the oldest go first. Bounds what one busy or hostile client can take."), "10000", {"datatype":"range(16,1048576)"}],
	["join", "max_answers", "Value", _("Answers in all"), _("Most remembered answers in all (~25 bytes each plus the name). Past it the oldest go first, counted as drops."), "50000", {"datatype":"range(256,4194304)"}],
	["bypass", "enabled", "Flag", _("DNS bypass alerts"), _("Raise dns_bypass alerts (needs conntrack)."), "1", {}],
	["bypass", "ports", "DynamicList", _("DNS ports"), _("Destination ports taken as DNS: 53 (plain) and 853 (DNS over TLS). A LAN client reaching them anywhere but the router or an `allow`ed resolver raises an alert. DNS over HTTPS on 443 cannot be told apart from web traffic here."), ["53","853"], {}],
	["bypass", "allow", "DynamicList", _("Allowed resolvers"), _("Resolvers clients may use directly without an alert: addresses or CIDR prefixes (192.0.2.53, 2001:db8::/32)."), [], {}],
	["bypass", "window", "Value", _("Alert window (s)"), _("At most one dns_bypass alert per client and resolver per window, seconds. Shorter: more alerts about the same behaviour."), "3600", {"datatype":"ufloat"}],
	["health", "interval", "Value", _("Health interval (s)"), _("Seconds between health events (memory, load, conntrack fill, process sizes, counters). Lower: finer graphs, more messages."), "60", {"datatype":"ufloat"}],
	["health", "watch", "DynamicList", _("Watched processes"), _("Processes (by /proc/<pid>/comm name) whose RSS is reported in `watched` and checked for growth."), ["dnsmasq"], {}],
	["health", "growth_alert", "Value", _("Growth alert (kB)"), _("Raise memory_growth / process_growth alerts when the agent or a watched process has grown by more than this many kB since it started. 0: never. Lower: earlier warning of leaks, more false alarms while caches fill."), "8192", {"datatype":"range(0,1048576)"}],
	["output", "enabled", "Flag", _("Write NDJSON"), _("Write events as NDJSON, one JSON object per line."), "0", {}],
	["output", "file", "Value", _("NDJSON file"), _("Where to write them; '-' is standard output (procd sends it to syslog: noisy). On /tmp the file lives in RAM: see max_bytes."), "/tmp/netledger.ndjson", {"datatype":"string"}],
	["output", "max_bytes", "Value", _("Rotate at (bytes)"), _("Size at which the file is moved to <file>.1 (one old file kept). 0: never (careful on /tmp, which is RAM)."), "1048576", {"datatype":"range(0,1073741824)"}],
	["mqtt", "enabled", "Flag", _("Ship over MQTT"), _("Ship events to the broker in `url`. [restart]"), "0", {}],
	["mqtt", "url", "Value", _("Broker URL"), _("Broker address: mqtt://host[:port] (plain, port 1883) or mqtts://host[:port] (TLS, port 8883); IPv6 in brackets. Required when enabled. Events go to netledger/v1/<sensor id>/<stream>. [restart]"), "", {}],
	["mqtt", "client_id", "Value", _("Client id"), _("MQTT client id, 1..128 printable ASCII characters without spaces (MQTT 3.1.1 promises only 23 letters and digits; most brokers take more). Empty: the sensor id. Must be unique on the broker: two clients with one id keep knocking each other off. [restart]"), "", {}],
	["mqtt", "username", "Value", _("User name"), _("User name for the broker, if it asks for one (instead of user@ in url). [restart]"), "", {}],
	["mqtt", "password", "Value", _("Password"), _("Password for the broker. Stored in clear in /etc/config/netledger: keep that file mode 0600. [restart]"), "", {"password":true}],
	["mqtt", "ca_file", "Value", _("CA file"), _("PEM CA certificates to verify the broker (mqtts). Empty: the system's /etc/ssl/certs. [restart]"), "", {"datatype":"string"}],
	["mqtt", "cert_file", "Value", _("Client certificate"), _("PEM client certificate, for brokers that authenticate clients by certificate (mqtts; needs key_file). [restart]"), "", {"datatype":"string"}],
	["mqtt", "key_file", "Value", _("Client key"), _("PEM private key of cert_file. Keep it mode 0600. [restart]"), "", {"datatype":"string"}],
	["mqtt", "verify_hostname", "Flag", _("Verify host name"), _("Check that the broker's certificate names the host in url. 0 still checks that a CA of ca_file signed it, but then any certificate that CA signed passes for the broker (with the system CAs: any public certificate): only for lab brokers with their own CA, addressed by IP. [restart]"), "1", {}],
	["mqtt", "keepalive", "Value", _("Keep alive (s)"), _("MQTT keep alive, seconds: a ping after this much silence; the broker drops a client silent for 1.5 times it. Lower: a dead link is noticed sooner, more pings on metered uplinks. 0: off. [restart]"), "60", {"datatype":"range(0,65535)"}],
	["mqtt", "qos", "Value", _("QoS"), _("QoS of the event batches (status messages always use 1). 0: at most once: a batch leaves the spool once written to the broker link, so one written into a link that drops is lost; fewer packets. 1: at least once: each batch stays in the spool until the broker acknowledges it; a reconnect may duplicate one. Either way batches wait in the spool while the broker is unreachable. QoS 2 is not offered."), "1", {"datatype":"range(0,1)"}],
	["mqtt", "inflight", "Value", _("In flight (batches)"), _("Batches sent and not yet acknowledged (QoS 1). Higher: more throughput over slow links, more memory held and more duplicates after a reconnect."), "16", {"datatype":"range(1,256)"}],
	["mqtt", "reconnect_min", "Value", _("Reconnect, min (s)"), _("Seconds to wait before reconnecting after a failure; doubled (with jitter) after each failure up to reconnect_max."), "1", {"datatype":"ufloat"}],
	["mqtt", "reconnect_max", "Value", _("Reconnect, max (s)"), _("Longest wait between reconnect attempts, seconds. Lower: back sooner after an outage; more attempts against a broker that is down."), "300", {"datatype":"ufloat"}],
	["batch", "max_events", "Value", _("Events per batch"), _("Send a batch when it holds this many events. Larger batches compress better and cost fewer messages."), "500", {"datatype":"range(1,10000)"}],
	["batch", "max_bytes", "Value", _("Bytes per batch"), _("Send a batch when its encoding reaches this many bytes. Keep it below the broker's message size limit."), "65536", {"datatype":"range(1024,1048576)"}],
	["batch", "max_age", "Value", _("Batch age (s)"), _("Send a batch when its oldest event is this old, seconds. Lower: fresher data at the collector, more messages; higher: fewer wake-ups and better compression."), "5", {"datatype":"ufloat"}],
	["spool", "enabled", "Flag", _("Spool"), _("Keep unacknowledged batches on disk while the broker is unreachable."), "1", {}],
	["spool", "dir", "Value", _("Spool directory"), _("Directory of spooled batches. /tmp is RAM: it rides out broker outages, not reboots. A flash path survives reboots but wears the flash. [restart]"), "/tmp/netledger-spool", {"datatype":"string"}],
	["spool", "max_bytes", "Value", _("Spool size (bytes)"), _("Most bytes the spool holds. 4 MB is about 3% of a 128 MB router's RAM when on /tmp. When full the oldest batches go first, counted as drops."), "4194304", {"datatype":"range(65536,1073741824)"}],
	["streams", "dns", "Flag", _("dns events"), _("One event per DNS transaction. The largest stream on a busy network; without it pdns and alerts still flow."), "1", {}],
	["streams", "flow", "Flag", _("flow events"), _("One event per connection (plus interim records of long ones)."), "1", {}],
	["streams", "pdns", "Flag", _("pdns records"), _("Passive DNS: distinct answers aggregated per window (see the pdns section)."), "1", {}],
	["streams", "alert", "Flag", _("alerts"), _("Alerts: indicator matches, DNS bypass, memory growth and memory budget."), "1", {}],
	["streams", "health", "Flag", _("health events"), _("Periodic health events (see the health section)."), "1", {}],
	["pdns", "window", "Value", _("Window (s)"), _("Aggregation window, seconds: one record per (rrname, rrtype, rdata set) per window, with count and first/last seen. Longer: fewer records and coarser times, more memory."), "3600", {"datatype":"ufloat"}],
	["pdns", "max_records", "Value", _("Records per window"), _("Most distinct records held in a window (~150 bytes each); when full the window is sent early, counted."), "8192", {"datatype":"range(64,1048576)"}],
	["ioc", "feed", "DynamicList", _("Indicator files"), _("Indicator files: one domain or IP address per line, '#' comments. A queried name (or a parent domain of it) or a flow address that matches raises an alert naming file:line (source_ref)."), [], {}],
	["ioc", "max_indicators", "Value", _("Most indicators"), _("Most indicators in one list: all feeds together, or one ioc command (a load of 50,000 adds 8-12 MB to the agent at its peak under qjs). A longer list is refused whole (counted as ioc_load_rejected; for feeds also a warning), and the list loaded before stays."), "50000", {"datatype":"range(0,1000000)"}],
];
// END SETTINGS

function fmtTime(ts) {
	return ts ? new Date(ts * 1000).toLocaleString() : '-';
}

function fmtAge(seconds) {
	return (seconds == null) ? '-' : '%t'.format(seconds);
}

function row(label, value) {
	return E('tr', { 'class': 'tr' }, [
		E('td', { 'class': 'td left', 'width': '33%' }, [ label ]),
		E('td', { 'class': 'td left' }, [ (value == null || value === '') ? '-' : String(value) ])
	]);
}

function table(head, rows) {
	return E('table', { 'class': 'table' }, [
		E('tr', { 'class': 'tr table-titles' }, head.map(function(h) {
			return E('th', { 'class': 'th left' }, [ h ]);
		}))
	].concat(rows.length ? rows : [
		E('tr', { 'class': 'tr placeholder' }, [ E('td', { 'class': 'td' }, [ E('em', {}, [ _('None') ]) ]) ])
	]));
}

/* A {name: count} map as a table, largest first. */
function countTable(title, counts) {
	var names = Object.keys(counts || {}).sort(function(a, b) { return counts[b] - counts[a]; });
	return E('div', { 'class': 'cbi-section' }, [
		E('h3', {}, [ title ]),
		table([ _('Name'), _('Count') ], names.map(function(n) {
			return E('tr', { 'class': 'tr' }, [
				E('td', { 'class': 'td left' }, [ n ]),
				E('td', { 'class': 'td left' }, [ String(counts[n]) ])
			]);
		}))
	]);
}

function renderStatus(st) {
	if (!st || st.running === undefined)
		return E('p', {}, [ E('em', {}, [ _('The netledger rpcd plugin did not answer.') ]) ]);

	if (st.sensor === undefined)
		return E('div', { 'class': 'cbi-section' }, [
			E('p', {}, [ E('strong', {}, [ _('Not running') ]), ': ', st.error || st.reason || '-' ])
		]);

	var state = st.running ? _('Running') : (st.stale ? _('Not updating (stale status file)') : _('Not running'));
	var mq = st.mqtt || {}, sp = st.spool || {}, mem = st.memory || {};

	var summary = E('div', { 'class': 'cbi-section' }, [
		E('h3', {}, [ _('Status') ]),
		E('table', { 'class': 'table' }, [
			row(_('State'), state),
			row(_('Sensor'), st.sensor),
			row(_('Version'), st.version),
			row(_('Started'), fmtTime(st.started)),
			row(_('Status age'), fmtAge(st.age)),
			row(_('Memory'), '%d / %d kB'.format(mem.rss_kb || 0, mem.budget_kb || 0)),
			row(_('MQTT'), mq.state + (mq.broker ? ' (' + mq.broker + ')' : '') + (mq.last_error ? ': ' + mq.last_error : '')),
			row(_('Batches sent / in flight'), '%d / %d'.format(mq.batches_sent || 0, mq.inflight || 0)),
			row(_('Spool'), sp.enabled ? '%1024.1mB / %1024.1mB, %d batches'.format(sp.bytes || 0, sp.max_bytes || 0, sp.batches || 0) : _('disabled')),
			row(_('Restart needed for'), (st.restart_pending || []).join(', '))
		])
	]);

	var sources = E('div', { 'class': 'cbi-section' }, [
		E('h3', {}, [ _('Sources') ]),
		table([ _('Source'), _('State'), _('Input'), _('Lines'), _('Restarts'), _('Last line') ],
			Object.keys(st.sources || {}).map(function(name) {
				var s = st.sources[name];
				return E('tr', { 'class': 'tr' }, [
					E('td', { 'class': 'td left' }, [ name ]),
					E('td', { 'class': 'td left' }, [ s.state + (s.error ? ': ' + s.error : '') ]),
					E('td', { 'class': 'td left' }, [ s.input || '-' ]),
					E('td', { 'class': 'td left' }, [ String(s.lines) ]),
					E('td', { 'class': 'td left' }, [ String(s.restarts) ]),
					E('td', { 'class': 'td left' }, [ fmtTime(s.last_line) ])
				]);
			}))
	]);

	var streams = E('div', { 'class': 'cbi-section' }, [
		E('h3', {}, [ _('Streams') ]),
		table([ _('Stream'), _('Enabled'), _('Events'), _('Last event') ],
			Object.keys(st.streams || {}).map(function(name) {
				var s = st.streams[name];
				return E('tr', { 'class': 'tr' }, [
					E('td', { 'class': 'td left' }, [ name ]),
					E('td', { 'class': 'td left' }, [ s.enabled ? _('yes') : _('no') ]),
					E('td', { 'class': 'td left' }, [ String(s.events) ]),
					E('td', { 'class': 'td left' }, [ fmtTime(s.last) ])
				]);
			}))
	]);

	return E('div', {}, [
		summary, sources, streams,
		countTable(_('Drops'), st.dropped),
		countTable(_('Counters'), st.counters)
	]);
}

function renderCheck(res) {
	if (!res || res.ok !== false)
		return E('div');

	return E('div', { 'class': 'alert-message warning' }, [
		E('h4', {}, [ _('/etc/config/netledger has errors; the agent will refuse it') ]),
		E('ul', {}, (res.errors || []).map(function(e) {
			return E('li', {}, [ e.text || e.message ]);
		}))
	]);
}

function addSettings(m) {
	SECTIONS.forEach(function(sec) {
		var s = m.section(form.TypedSection, sec[0], sec[1], sec[2]);
		s.anonymous = true;
		s.addremove = false;

		SETTINGS.forEach(function(opt) {
			if (opt[0] !== sec[0])
				return;

			var o = s.option(form[opt[2]], opt[1], opt[3], opt[4]),
			    extra = opt[6];

			if (opt[2] === 'Flag') {
				o.enabled = '1';
				o.disabled = '0';
			}
			if (extra.values)
				extra.values.forEach(function(v) { o.value(v); });
			if (extra.datatype)
				o.datatype = extra.datatype;
			if (extra.password)
				o.password = true;

			o.default = opt[5];
			o.rmempty = true;
		});
	});
}

return view.extend({
	load: function() {
		return Promise.all([
			L.resolveDefault(callStatus(), {}),
			L.resolveDefault(callConfigCheck(), {}),
			uci.load('netledger')
		]);
	},

	render: function(data) {
		var statusNode = E('div', {}, [ renderStatus(data[0]) ]),
		    checkNode = E('div', {}, [ renderCheck(data[1]) ]),
		    m = new form.Map('netledger', _('netledger'),
			_('Network logging: DNS transactions and connections, correlated and shipped over MQTT.'));

		addSettings(m);

		poll.add(function() {
			return Promise.all([
				L.resolveDefault(callStatus(), {}),
				L.resolveDefault(callConfigCheck(), {})
			]).then(function(res) {
				dom.content(statusNode, renderStatus(res[0]));
				dom.content(checkNode, renderCheck(res[1]));
			});
		}, 10);

		return m.render().then(function(formNode) {
			return E([], [ checkNode, statusNode, formNode ]);
		});
	}
});
