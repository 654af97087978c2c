import type { Cases } from '../support/cases';
import { eq, deepEq, ok } from '../support/check';
import {
  SCHEMA, loadConfig, defaultConfig, formatConfigError, nonDefaults, restartNeeded, optionSpec,
} from '../../src/config/schema';
import { readBool, readDuration, readHostPort, utcOffsetMinutes, sensorIdFromHostname } from '../../src/config/forms';
import type { AnySchema } from '../../src/config/validate';
import { HELP, sectionHelp, optionHelp, optionDoc } from '../../src/config/help';

function errorsOf(text: string): string[] {
  return loadConfig(text, '/etc/config/netledger', { hostname: 'rtr' }).errors.map(formatConfigError);
}

const F = '/etc/config/netledger';

/** [what, config text, expected errors] */
const MALFORMED: [string, string, string[]][] = [
  ['bad int', "config conntrack 'flows'\n\toption max_flows 'lots'\n",
    [`${F}:2: option 'max_flows': expected an integer from 256 to 1048576 flows, got 'lots'`]],
  ['int out of range', "config mqtt\n\toption inflight '0'\n",
    [`${F}:2: option 'inflight': expected an integer from 1 to 256 batches, got 0`]],
  ['unknown option, with a hint', "config agent 'main'\n\toption sensorid 'x'\n",
    [`${F}:2: option 'sensorid': unknown option in section 'agent' (did you mean 'sensor_id'?)`]],
  ['unknown option, no hint', "config agent 'main'\n\toption colour 'blue'\n",
    [`${F}:2: option 'colour': unknown option in section 'agent'`]],
  ['bad enum', "config conntrack\n\toption mode 'netlink'\n",
    [`${F}:2: option 'mode': expected one of 'auto', 'events', 'proc', got 'netlink'`]],
  ['bad bool', "config spool\n\toption enabled 'Yes'\n",
    [`${F}:2: option 'enabled': expected a boolean (1/0, yes/no, on/off, true/false, enabled/disabled), got 'Yes'`]],
  ['sensor id with a wildcard', "config agent 'main'\n\toption sensor_id 'rtr+1'\n",
    [`${F}:2: option 'sensor_id': sensor id "rtr+1" has "+" at 3: use letters, digits and - _ . : only`]],
  ['sensor id with a slash', "config agent 'main'\n\toption sensor_id 'a/b'\n",
    [`${F}:2: option 'sensor_id': sensor id "a/b" has "/" at 1: use letters, digits and - _ . : only`]],
  ['sensor id with whitespace', "config agent 'main'\n\toption sensor_id 'my router'\n",
    [`${F}:2: option 'sensor_id': sensor id "my router" has " " at 2: use letters, digits and - _ . : only`]],
  ['unknown section type', "config agnet 'main'\n\toption enabled 1\n",
    [`${F}:1: unknown section type 'agnet' (did you mean 'agent'?); known types: ${Object.keys(SCHEMA).join(', ')}`]],
  ['a second section of a type', "config agent 'main'\nconfig agent 'other'\n\toption enabled 0\n",
    [`${F}:2: a second 'agent' section (the first is at line 1); netledger reads one`]],
  ['list for a single value', "config mqtt\n\tlist url 'mqtt://a'\n",
    [`${F}:2: option 'url': takes one value: use 'option', not 'list'`]],
  ['bad list item', "config bypass\n\tlist ports 53\n\tlist ports 99999\n",
    [`${F}:3: option 'ports': item 2: expected an integer from 1 to 65535, got 99999`]],
  ['bad duration', "config batch\n\toption max_age '5 minutes'\n",
    [`${F}:2: option 'max_age': expected a duration from 0.1 to 300 seconds (e.g. 30, 30s, 5m, 1h), got '5 minutes'`]],
  ['relative path', "config spool\n\toption dir 'spool'\n",
    [`${F}:2: option 'dir': expected an absolute path, got 'spool'`]],
  ['client id with a space', "config mqtt\n\toption client_id 'lab sensor'\n",
    [`${F}:2: option 'client_id': expected at most 128 printable ASCII characters, no spaces, got 'lab sensor'`]],
  ['client id not ASCII', "config mqtt\n\toption client_id 'capteur-é'\n",
    [`${F}:2: option 'client_id': expected at most 128 printable ASCII characters, no spaces, got 'capteur-é'`]],
  ['client id too long', `config mqtt\n\toption client_id '${'c'.repeat(129)}'\n`,
    [`${F}:2: option 'client_id': expected at most 128 printable ASCII characters, no spaces, got '${'c'.repeat(129)}'`]],
  ['bad broker url', "config mqtt\n\toption url 'http://broker'\n",
    [`${F}:2: option 'url': expected mqtt://host[:port] or mqtts://host[:port]: unsupported scheme "http" (use mqtt:// or mqtts://)`]],
  ['bad utc offset', "config dnsmasq\n\toption utc_offset 'CET'\n",
    [`${F}:2: option 'utc_offset': expected 'auto' or an offset like +01:00 or -05:30, got 'CET'`]],
  ['bad cidr', "config bypass\n\tlist allow '192.0.2.300'\n",
    [`${F}:2: option 'allow': expected an IP address or CIDR prefix (192.0.2.0/24, 2001:db8::/32), got '192.0.2.300'`]],
  ['mqtt enabled without url', "config mqtt 'mqtt'\n\toption enabled '1'\n",
    [`${F}:1: option 'url': required when mqtt is enabled`]],
  ['tls files with a plain url', "config mqtt\n\toption url 'mqtt://192.0.2.1'\n\toption ca_file '/etc/ca.pem'\n",
    [`${F}:3: option 'ca_file': only used with an mqtts:// url`]],
  ['certificate without key', "config mqtt\n\toption url 'mqtts://broker.example'\n\toption cert_file '/etc/c.pem'\n",
    [`${F}:3: option 'cert_file': cert_file and key_file go together`]],
  ['reconnect bounds reversed', "config mqtt\n\toption reconnect_min 600\n\toption reconnect_max 60\n",
    [`${F}:2: option 'reconnect_min': reconnect_min (600) is greater than reconnect_max (60)`]],
  ['spool smaller than a batch', "config spool\n\toption max_bytes 65536\nconfig batch\n\toption max_bytes 131072\n",
    [`${F}:2: option 'max_bytes': smaller than one batch (batch.max_bytes 131072)`]],
  ['a UCI syntax error comes through with its line', "config agent\n\toption enabled '1\n",
    [`${F}:2: unterminated ' quote`]],
];

export const cases: Cases = {
  'an empty file gives every default and no error': () => {
    const { config, errors } = loadConfig('', F, { hostname: 'rtr-1' });
    deepEq(errors, []);
    eq(config.agent.enabled, true);
    eq(config.agent.sensor_id, 'rtr-1', 'sensor id from the hostname');
    eq(config.dnsmasq.input, 'logread');
    eq(config.conntrack.netlink_buffer, 1048576);
    eq(config.spool.dir, '/tmp/netledger-spool');
    eq(config.spool.max_bytes, 4194304);
    deepEq(config.bypass.ports, [53, 853]);
    deepEq(config.health.watch, ['dnsmasq']);
    eq(config.mqtt.enabled, false);
  },

  'a full file is read into typed values': () => {
    const { config, errors } = loadConfig(
      `config agent 'main'\n\toption sensor_id 'lab-rtr'\n\toption log_level 'debug'\n` +
      `config dnsmasq 'dns'\n\toption input 'file'\n\toption file '/tmp/dnsmasq.log'\n\toption utc_offset '+05:30'\n\toption transaction_timeout '1m'\n` +
      `config mqtt 'mqtt'\n\toption enabled 'yes'\n\toption url 'mqtts://[2001:db8::1]:8883'\n\toption cert_file '/etc/c.pem'\n\toption key_file '/etc/k.pem'\n` +
      `\toption client_id '${'c'.repeat(119)}lab/rtr#1'\n\toption verify_hostname '0'\n\toption qos '0'\n` +
      `config bypass 'bypass'\n\tlist ports '53'\n\tlist ports '5353'\n\tlist allow '192.0.2.53'\n\tlist allow '2001:db8::/32'\n` +
      `config output 'out'\n\toption enabled 'on'\n\toption file '-'\n` +
      `config streams 'streams'\n\toption dns 'disabled'\n`,
      F,
    );
    deepEq(errors.map(formatConfigError), []);
    eq(config.agent.sensor_id, 'lab-rtr');
    eq(config.agent.log_level, 'debug');
    eq(config.dnsmasq.input, 'file');
    eq(config.dnsmasq.utc_offset, '+05:30');
    eq(config.dnsmasq.transaction_timeout, 60);
    eq(config.mqtt.enabled, true);
    eq(config.mqtt.url, 'mqtts://[2001:db8::1]:8883');
    eq(config.mqtt.client_id, `${'c'.repeat(119)}lab/rtr#1`, '128 printable characters');
    eq(config.mqtt.verify_hostname, false);
    eq(config.mqtt.qos, 0);
    deepEq(config.bypass.ports, [53, 5353]);
    deepEq(config.bypass.allow, ['192.0.2.53', '2001:db8::/32']);
    eq(config.output.file, '-');
    eq(config.streams.dns, false);
    eq(config.streams.flow, true);
  },

  'every bool spelling of OpenWrt config_get_bool, case-sensitive': () => {
    for (const s of ['1', 'yes', 'on', 'true', 'enabled']) deepEq(readBool(s), { ok_: true, value_: true }, s);
    for (const s of ['0', 'no', 'off', 'false', 'disabled']) deepEq(readBool(s), { ok_: true, value_: false }, s);
    for (const s of ['TRUE', 'Yes', '2', '', ' 1']) eq(readBool(s).ok_, false, JSON.stringify(s));
  },

  'every malformed form gives its file:line message': () => {
    for (const [what, text, want] of MALFORMED) deepEq(errorsOf(text), want, what);
  },

  'errors come sorted by line and bad values keep their default': () => {
    const { config, errors } = loadConfig(
      "config mqtt\n\toption qos 5\nconfig agent\n\toption memory_budget 'x'\n\toption log_level 'loud'\n", F);
    deepEq(errors.map((e) => [e.line_, e.section_, e.option_]), [[2, 'mqtt', 'qos'], [4, 'agent', 'memory_budget'], [5, 'agent', 'log_level']]);
    eq(config.mqtt.qos, 1);
    eq(config.agent.memory_budget, 16384);
    eq(config.agent.log_level, 'info');
  },

  'durations take seconds with an optional unit; host:port forms': () => {
    deepEq(readDuration('90', 0, 1e6), { ok_: true, value_: 90 });
    deepEq(readDuration('1.5', 0, 10), { ok_: true, value_: 1.5 });
    deepEq(readDuration('5m', 0, 1e6), { ok_: true, value_: 300 });
    deepEq(readDuration('2h', 0, 1e6), { ok_: true, value_: 7200 });
    deepEq(readDuration('1d', 0, 1e6), { ok_: true, value_: 86400 });
    for (const s of ['', 'm', '1.', '.5', '-1', '1 m', '1ms', '1e3']) eq(readDuration(s, 0, 1e6).ok_, false, JSON.stringify(s));
    deepEq(readHostPort('192.0.2.1:53', false), { ok_: true, value_: { host: '192.0.2.1', port: 53 } });
    deepEq(readHostPort('[2001:db8::1]:853', false), { ok_: true, value_: { host: '2001:db8::1', port: 853 } });
    deepEq(readHostPort('2001:db8::1', true), { ok_: true, value_: { host: '2001:db8::1', port: null } });
    deepEq(readHostPort('resolver.example', true), { ok_: true, value_: { host: 'resolver.example', port: null } });
    for (const s of ['host', 'host:0', 'host:70000', ':53', '[::1', 'a b:1']) eq(readHostPort(s, false).ok_, false, s);
    eq(utcOffsetMinutes('+01:00'), 60);
    eq(utcOffsetMinutes('-05:30'), -330);
    eq(utcOffsetMinutes('auto'), null);
  },

  'sensor id from a hostname: forbidden characters become _, unusable names give openwrt': () => {
    eq(sensorIdFromHostname('OpenWrt'), 'OpenWrt');
    eq(sensorIdFromHostname('my router/1+x'), 'my_router_1_x');
    eq(sensorIdFromHostname(''), 'openwrt');
    eq(sensorIdFromHostname('all'), 'openwrt');
    eq(defaultConfig().agent.sensor_id, 'openwrt');
  },

  'every option has help, a form and a default its own reader accepts': () => {
    const schema = SCHEMA as unknown as AnySchema;
    let n = 0;
    for (const type of Object.keys(schema)) {
      ok((sectionHelp(type) ?? '').length > 10, `${type}: section help`);
      for (const [name, spec] of Object.entries(schema[type].options)) {
        n++;
        ok((optionHelp(type, name) ?? '').length >= 20, `${type}.${name}: help`);
        const doc = optionDoc(type, name)!;
        ok(doc.form.length > 0, `${type}.${name}: form`);
        ok(/^[a-z][a-z0-9_]*$/.test(name), `${type}.${name}: a UCI option name`);
        const text = spec.show(spec.default);
        // '' is how UCI spells unset; lists may be empty
        if (doc.kind === 'list' || text[0] !== '') {
          deepEq(spec.read_(text, doc.kind === 'list'), { ok_: true, value_: spec.default }, `${type}.${name}: default round-trips`);
        }
      }
    }
    ok(n >= 60, `all options counted (${n})`);
    // and no help for an option the schema lacks
    deepEq(Object.keys(HELP), Object.keys(schema), 'help sections = schema sections, in order');
    for (const [type, h] of Object.entries(HELP)) {
      deepEq(Object.keys(h.options), Object.keys(schema[type].options), `${type}: help options = schema options, in order`);
    }
    eq(optionHelp('constructor', 'x'), undefined);
    eq(optionHelp('mqtt', 'nope'), undefined);
    eq(optionSpec('mqtt', 'password')?.secret, true);
    eq(optionSpec('mqtt', 'nope'), undefined);
    eq(optionSpec('constructor', 'x'), undefined);
  },

  'nonDefaults lists what differs, secrets masked; restartNeeded names restart-only changes': () => {
    const a = loadConfig('', F, { hostname: 'r' }).config;
    const b = loadConfig(
      "config mqtt\n\toption enabled 1\n\toption url 'mqtt://192.0.2.1'\n\toption password 's3cret'\n\toption qos 0\nconfig health\n\tlist watch dnsmasq\n\tlist watch odhcpd\n",
      F, { hostname: 'r' }).config;
    deepEq(nonDefaults(b).map((s) => `${s.section_}.${s.option_}=${s.value_}${s.restart_ ? ' (restart)' : ''}`), [
      'agent.sensor_id=r (restart)', 'health.watch=dnsmasq odhcpd',
      'mqtt.enabled=1 (restart)', 'mqtt.url=mqtt://192.0.2.1 (restart)', 'mqtt.password=*** (restart)', 'mqtt.qos=0',
    ]);
    deepEq(restartNeeded(a, b), ['mqtt.enabled', 'mqtt.url', 'mqtt.password']);
    deepEq(restartNeeded(b, b), []);
  },

  'hostile input: huge values, odd names and many sections never throw': () => {
    const big = 'x'.repeat(100000);
    const r = loadConfig(`config agent\n\toption sensor_id '${big}'\nconfig __proto__\n\toption constructor 1\nconfig agent\n`, F);
    eq(r.errors.length, 3, r.errors.map(formatConfigError).join('\n'));
    eq(r.config.agent.sensor_id, 'openwrt');
    let many = '';
    for (let i = 0; i < 2000; i++) many += `config batch\n\toption max_events ${i}\n`;
    eq(loadConfig(many, F).errors.length, 1999 + 1, 'every extra section, and max_events 0');
  },
};
