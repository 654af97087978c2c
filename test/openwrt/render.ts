// Renders the files that mirror the config schema: the default /etc/config/netledger, the
// settings table of the LuCI view and the option reference in docs/config.md. Tests compare the
// committed files with these renderings; after changing src/config/schema.ts regenerate with
//   npx tsx test/openwrt/render.ts --write
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCHEMA } from '../../src/config/schema';
import { sectionHelp, optionHelp, sectionName, optionDoc, type OptionDescription } from '../../src/config/help';
import { quoteUci } from '../../src/config/uci';
import type { OptionSpec } from '../../src/config/spec';

export const ROOT_DIR = join(import.meta.dirname, '../..');
export const CONFIG_FILE = join(ROOT_DIR, 'openwrt/files/etc/config/netledger');
export const VIEW_FILE = join(ROOT_DIR, 'openwrt/luci/htdocs/luci-static/resources/view/netledger/status.js');
export const DOC_FILE = join(ROOT_DIR, 'docs/config.md');
export const BEGIN = '// BEGIN SETTINGS (generated from src/config/schema.ts)\n';
export const END = '// END SETTINGS\n';
export const DOC_MARK = '## Options\n';

type Spec = OptionSpec<any> & OptionDescription & { help: string };
const required = (text: string | undefined, what: string): string => {
  if (text === undefined) throw new Error(`no help for ${what} in src/config/help.ts`);
  return text;
};
// The schema table joined with its help texts (src/config/help.ts), in schema order.
const sections = (): [string, { name: string; help: string; options: Record<string, Spec> }][] =>
  Object.entries(SCHEMA).map(([type, sec]) => [type, {
    name: required(sectionName(type), type),
    help: required(sectionHelp(type), type),
    options: Object.fromEntries(Object.entries(sec.options as Record<string, OptionSpec<any>>).map(
      ([name, spec]) => [name, { ...spec, ...optionDoc(type, name)!, help: required(optionHelp(type, name), `${type}.${name}`) }])),
  }]);
const EXAMPLES: Record<string, string[]> = {
  'agent.sensor_id': ['rtr-1'], 'mqtt.url': ['mqtts://broker.example:8883'], 'mqtt.client_id': ['netledger-rtr-1'],
  'mqtt.username': ['netledger'], 'mqtt.password': ['change-me'], 'mqtt.ca_file': ['/etc/netledger/ca.pem'],
  'mqtt.cert_file': ['/etc/netledger/client.pem'], 'mqtt.key_file': ['/etc/netledger/client.key'],
  'bypass.allow': ['192.0.2.53', '2001:db8::53'], 'ioc.feed': ['/etc/netledger/ioc.txt'],
};
function wrap(text: string, prefix: string, width = 92): string[] {
  const out: string[] = [];
  let line = prefix;
  for (const w of text.split(' ')) {
    if (line.length + w.length + 1 > width && line !== prefix) {
      out.push(line);
      line = prefix;
    }
    line += (line === prefix ? '' : ' ') + w;
  }
  out.push(line);
  return out;
}
export function renderDefaultConfig(): string {
  let s = `# /etc/config/netledger: the netledger network-logging agent.
# Every option is listed with its default value (commented out where the default is unset).
# Units and trade-offs are in the comments; docs/config.md has the full reference.
# Options marked [restart] apply on restart (/etc/init.d/netledger restart); the others
# apply on reload, which 'uci commit' through LuCI triggers.
# Check edits before applying them:
#   qjs -m /usr/share/netledger/netledger.js check-config /etc/config/netledger
`;
  for (const [type, sec] of sections()) {
    s += `\n${wrap(sec.help, '# ').join('\n')}\nconfig ${type} '${sec.name}'\n`;
    for (const [name, spec] of Object.entries(sec.options)) {
      const help = `${spec.help}${spec.restart ? ' [restart]' : ''}`;
      s += wrap(help, '\t# ').join('\n') + '\n';
      const kw = spec.kind === 'list' ? 'list' : 'option';
      const vals: string[] = spec.show(spec.default);
      const unset = vals.length === 0 || vals[0] === '';
      if (unset) {
        const ex = EXAMPLES[`${type}.${name}`];
        if (!ex) throw new Error(`no example for ${type}.${name}`);
        for (const v of ex) s += `\t#${kw} ${name} ${quoteUci(v)}\n`;
      } else {
        for (const v of vals) s += `\t${kw} ${name} ${quoteUci(v)}\n`;
      }
      s += '\n';
    }
    s = s.replace(/\n\n$/, '\n');
}
return s;
}

const TITLES: Record<string, string> = {
  'agent.enabled': 'Enable agent', 'agent.sensor_id': 'Sensor id', 'agent.state_dir': 'State directory', 'agent.status_interval': 'Status interval (s)',
  'agent.memory_budget': 'Memory budget (kB)', 'agent.log_level': 'Log level',
  'dnsmasq.enabled': 'Read DNS log', 'dnsmasq.input': 'Log input', 'dnsmasq.file': 'Log file', 'dnsmasq.log_format': 'Line framing',
  'dnsmasq.year': 'Year', 'dnsmasq.utc_offset': 'UTC offset', 'dnsmasq.transaction_timeout': 'Transaction timeout (s)', 'dnsmasq.max_transactions': 'Open transactions',
  'conntrack.enabled': 'Track connections', 'conntrack.mode': 'Mode', 'conntrack.netlink_buffer': 'Netlink buffer (bytes)', 'conntrack.interim_interval': 'Interim interval (s)',
  'conntrack.max_flows': 'Open flows', 'conntrack.proc_poll_min': 'Fastest poll (s)', 'conntrack.proc_poll_max': 'Slowest poll (s)',
  'conntrack.restart_backoff_min': 'Restart backoff, min (s)', 'conntrack.restart_backoff_max': 'Restart backoff, max (s)',
  'devices.leases_file': 'DHCP lease file', 'devices.lease_poll': 'Lease file check (s)', 'devices.ubus_leases': 'odhcpd leases', 'devices.ubus_interval': 'odhcpd interval (s)',
  'devices.grace': 'Grace after lease end (s)', 'devices.max_devices': 'Addresses remembered',
  'join.answer_ttl': 'Answer lifetime (s)', 'join.max_per_client': 'Answers per client', 'join.max_answers': 'Answers in all',
  'bypass.enabled': 'DNS bypass alerts', 'bypass.ports': 'DNS ports', 'bypass.allow': 'Allowed resolvers', 'bypass.window': 'Alert window (s)',
  'health.interval': 'Health interval (s)', 'health.watch': 'Watched processes', 'health.growth_alert': 'Growth alert (kB)',
  'output.enabled': 'Write NDJSON', 'output.file': 'NDJSON file', 'output.max_bytes': 'Rotate at (bytes)',
  'mqtt.enabled': 'Ship over MQTT', 'mqtt.url': 'Broker URL', 'mqtt.client_id': 'Client id', 'mqtt.username': 'User name', 'mqtt.password': 'Password',
  'mqtt.ca_file': 'CA file', 'mqtt.cert_file': 'Client certificate', 'mqtt.key_file': 'Client key', 'mqtt.verify_hostname': 'Verify host name',
  'mqtt.keepalive': 'Keep alive (s)', 'mqtt.qos': 'QoS', 'mqtt.inflight': 'In flight (batches)', 'mqtt.reconnect_min': 'Reconnect, min (s)', 'mqtt.reconnect_max': 'Reconnect, max (s)',
  'batch.max_events': 'Events per batch', 'batch.max_bytes': 'Bytes per batch', 'batch.max_age': 'Batch age (s)',
  'spool.enabled': 'Spool', 'spool.dir': 'Spool directory', 'spool.max_bytes': 'Spool size (bytes)',
  'streams.dns': 'dns events', 'streams.flow': 'flow events', 'streams.pdns': 'pdns records', 'streams.alert': 'alerts', 'streams.health': 'health events',
  'pdns.window': 'Window (s)', 'pdns.max_records': 'Records per window',
  'ioc.feed': 'Indicator files', 'ioc.max_indicators': 'Most indicators',
};
const SECTION_TITLES: Record<string, string> = {
  agent: 'Agent', dnsmasq: 'DNS log', conntrack: 'Connections', devices: 'Devices', join: 'DNS-to-flow join', bypass: 'DNS bypass',
  health: 'Health', output: 'Local NDJSON', mqtt: 'MQTT', batch: 'Batches', spool: 'Spool', streams: 'Streams', pdns: 'Passive DNS', ioc: 'Indicators',
};
const J = JSON.stringify;
export function renderLuciSettings(): string {
  let out = 'var SECTIONS = [\n';
  for (const [type, sec] of sections()) out += `\t[${J(type)}, _(${J(SECTION_TITLES[type])}), _(${J(sec.help)})],\n`;
  out += '];\n\nvar SETTINGS = [\n';
  for (const [type, sec] of sections()) {
    for (const [name, spec] of Object.entries(sec.options)) {
      const key = `${type}.${name}`;
      if (!TITLES[key]) throw new Error('title ' + key);
      const widget = spec.kind === 'bool' ? 'Flag' : spec.kind === 'enum' ? 'ListValue' : spec.kind === 'list' ? 'DynamicList' : 'Value';
      const help = spec.help + (spec.restart ? ' [restart]' : '');
      const def = spec.show(spec.default);
      const extra: Record<string, unknown> = {};
      if (spec.values) extra.values = spec.values;
      if (spec.kind === 'int') { const m = /integer (-?[\d.]+)\.\.(-?[\d.]+)/.exec(spec.form)!; extra.datatype = `range(${m[1]},${m[2]})`; }
      if (spec.kind === 'duration') extra.datatype = 'ufloat';
      if (spec.kind === 'path') extra.datatype = 'string';
      if (spec.secret) extra.password = true;
      out += `\t[${J(type)}, ${J(name)}, ${J(widget)}, _(${J(TITLES[key])}), _(${J(help)}), ${J(spec.kind === 'list' ? def : def[0])}, ${J(extra)}],\n`;
    }
}
out += '];\n';
return out;
}

export function renderConfigReference(): string {
  let s = '';
  for (const [type, sec] of sections()) {
    s += `\n### \`config ${type} '${sec.name}'\`\n${sec.help}\n\n| option | form | default | applies | meaning |\n|---|---|---|---|---|\n`;
    for (const [name, spec] of Object.entries(sec.options)) {
      const d = spec.show(spec.default);
      const def = d.length === 0 || d[0] === '' ? '(unset)' : d.map((x: string) => `\`${x}\``).join(', ');
      s += `| \`${name}\` | ${spec.form.replace(/\|/g, '\\|')} | ${def} | ${spec.restart ? 'restart' : 'reload'} | ${spec.help.replace(/\|/g, '\\|')} |\n`;
    }
}
return s;
}

export function withLuciSettings(view: string): string {
  const a = view.indexOf(BEGIN);
  const b = view.indexOf(END);
  if (a < 0 || b < a) throw new Error('settings markers missing in the LuCI view');
  return view.slice(0, a + BEGIN.length) + renderLuciSettings() + view.slice(b);
}

export function withConfigReference(doc: string): string {
  const a = doc.indexOf(DOC_MARK);
  if (a < 0) throw new Error(`'${DOC_MARK.trim()}' missing in docs/config.md`);
  return doc.slice(0, a + DOC_MARK.length) + renderConfigReference();
}

if (process.argv.includes('--write')) {
  writeFileSync(CONFIG_FILE, renderDefaultConfig());
  writeFileSync(VIEW_FILE, withLuciSettings(readFileSync(VIEW_FILE, 'utf8')));
  writeFileSync(DOC_FILE, withConfigReference(readFileSync(DOC_FILE, 'utf8')));
}
