// `netledger replay`: runs captured logs through the same pipeline as the live agent and writes
// NDJSON events to stdout, a one-line summary to stderr. Inputs are interleaved by time so the
// DNS-to-flow join works offline exactly as it does live.
import type { Command } from './command';
import { num, UsageError } from './args';
import { Counters } from '../counters';
import { loadConfig, formatConfigErrors } from '../config/schema';
import { utcOffsetMinutes } from '../config/forms';
import { Pipeline } from '../agent/pipeline';
import { pipelineOptions } from '../agent/options';
import { NdjsonSink } from '../agent/ndjson-sink';
import { mergeByTime, type TimedCursor } from '../agent/time-merge';
import { recordCursor } from '../agent/record-cursor';
import { DnsmasqLineParser } from '../sources/dnsmasq/parser';
import { parseConntrackEvent, parseConntrackList } from '../sources/conntrack/parse';
import { emptyRecord } from '../sources/conntrack/record';
import { parseLeases } from '../sources/leases';
import { summaryLine } from '../agent/summary';
import { ShippingSink, type ShippingConfig } from '../agent/shipping';
import { errorText } from '../compat/lang';

export const replayCommand: Command = {
  name_: 'replay',
  summary_: 'turn captured dnsmasq/conntrack logs into events (NDJSON on stdout, or --mqtt)',
  usage_: '--dnsmasq FILE [--conntrack FILE] [options]',
  options_: {
    dnsmasq: "dnsmasq log (logread, syslog or its own framing); '-': stdin",
    conntrack: '`conntrack -E -o timestamp,extended,id` output',
    'proc-snapshot': '/proc/net/nf_conntrack or conntrack -L after the events',
    leases: 'DHCP lease file (/tmp/dhcp.leases)',
    sensor: "sensor id (default: the config's, else replay)",
    config: 'UCI config file (timeouts, caps...)',
    year: 'year of log times (default: the clock\'s)',
    'utc-offset': 'UTC offset of log times, +HH:MM (default +00:00)',
    router: '+router address, repeatable (default: learned)',
    lan: '+LAN prefix (CIDR), repeatable (default: learned)',
    ioc: 'indicators to match (JSON, as the ioc command)',
    mqtt: 'ship to mqtt[s]://HOST:PORT (batches, spool; QoS: --config mqtt.qos, default 1)',
    'ca-file': 'mqtts: CA certificates (PEM)',
    'cert-file': 'mqtts: client certificate (PEM)',
    'key-file': 'mqtts: client key (PEM)',
    username: 'MQTT user name',
    password: 'MQTT password',
    'spool-dir': 'spool of --mqtt (default: a new one in /tmp)',
    'spool-max': 'spool cap, bytes (default 268435456)',
    attempts: 'failed connections in a row to give up after (default 10)',
  },
  async run_(host, args) {
    await null; // a throw before the first await would kill qjs (see src/reject-later.ts)
    const o = args.options_ as Record<string, string | undefined>; // the value options (lists are read below)
    const dnsFile = o.dnsmasq;
    const ctFile = o.conntrack;
    const snapFile = o['proc-snapshot'];
    if (!dnsFile && !ctFile && !snapFile) throw new UsageError('nothing to replay: give --dnsmasq and/or --conntrack');

    const counters = new Counters();
    // Without --config the defaults, whose sensor_id is 'replay'; a config without sensor_id gets
    // the one an unknown hostname gives ('openwrt'), as on a router.
    const cfgFile = o.config;
    const { config, errors } = loadConfig(cfgFile ? host.readText(cfgFile) : '', cfgFile ?? '', { hostname: cfgFile ? '' : 'replay' });
    if (errors.length) {
      host.writeStderr(formatConfigErrors(errors));
      return 1;
    }
    config.agent.sensor_id = o.sensor ?? config.agent.sensor_id;
    const offset = o['utc-offset'];
    const offsetMin = offset === undefined ? 0 : utcOffsetMinutes(offset);
    if (offsetMin === null) throw new UsageError(`--utc-offset: expected +HH:MM or -HH:MM, got '${offset}'`);
    const listOf = (name: string): string[] => (args.options_[name] as string[] | undefined) ?? [];
    const options = pipelineOptions(config, { routerAddrs: listOf('router'), lanPrefixes: listOf('lan') });
    // A replay sees the log from its start: an unknown address is really direct, no warm-up.
    options.join.warmupSec = 0;
    // Without connection records nothing can be joined: keeping answers would be wasted work;
    // without DNS records there is nothing to join (flows then skip the join's lookups).
    const flows = (ctFile ?? snapFile) !== undefined;
    options.join.enabled = flows && !!dnsFile;
    if (!flows) options.learnNet = { lan: false, router: false }; // only flows use them

    const stdoutSink = new NdjsonSink({ write: (t) => host.writeStdout(t), counters });
    const mqttUrl = o.mqtt;
    let ship: ShippingSink | null = null;
    // the default spool is this run's own: removed once empty (a failed run leaves its batches)
    const spoolDir = o['spool-dir'] ?? `/tmp/netledger-replay-${host.pid()}`;
    if (mqttUrl) {
      // The config's keepalive, inflight and batch limits; the rest from the flags.
      const mqtt: ShippingConfig['mqtt'] = { ...config.mqtt, url: mqttUrl, reconnect_min: 0.2, reconnect_max: 5 };
      for (const k of ['username', 'password', 'ca-file', 'cert-file', 'key-file']) (mqtt as Record<string, unknown>)[k.replace('-', '_')] = o[k];
      ship = new ShippingSink({
        host_: host, counters_: counters, capabilities_: ['replay'], maxAttempts_: num(args, 'attempts') ?? 10,
        config_: { ...config, mqtt, spool: { dir: spoolDir, max_bytes: num(args, 'spool-max') ?? 268435456 } },
      });
      ship.start_();
    }
    const pipeline = new Pipeline({ counters, sink: ship ?? stdoutSink, options });

    const leases = o.leases;
    if (leases) pipeline.setLeases_('leases', parseLeases(host.readText(leases), counters));
    const ioc = o.ioc;
    if (ioc) {
      const r = pipeline.loadIoc_(host.readText(ioc));
      if (!r.ok) throw new Error(`--ioc ${ioc}: ${r.error}`);
    }

    const cursors: TimedCursor[] = [];
    if (dnsFile) {
      const format = config.dnsmasq.log_format;
      const parser = new DnsmasqLineParser({ counters, format, year: num(args, 'year'), utcOffsetMin_: offsetMin, now_: () => host.now() });
      // The fast lane serves a lone dnsmasq input only (runAlone): merged inputs share the clock;
      // bare lines have no framing for it to cache.
      const fast = ctFile || format === 'bare' ? null : pipeline.dnsFastLine(parser);
      cursors.push(recordCursor(host.openLines(dnsFile), counters, 'dnsmasq_lines', (l) => parser.parse(l), (r) => pipeline.dnsRecord(r), fast));
    }
    if (ctFile) {
      // One reused record: the cursor delivers it before parsing the next line.
      const scratch = emptyRecord('NEW');
      cursors.push(recordCursor(host.openLines(ctFile), counters, 'conntrack_lines',
        (l) => parseConntrackEvent(l, counters, scratch, pipeline.holdsFlow), (r) => pipeline.ctRecord(r)));
    }
    mergeByTime(cursors, (ts) => pipeline.tick(ts));

    if (snapFile) {
      // The table as it was after the events, read as the live source reads one after a gap:
      // flows we never saw end are still open (adopted), flows we hold that are gone ended unseen.
      const table = pipeline.ctTable_();
      table.readBegin(pipeline.now_());
      table.readPrepare(Infinity);
      const reader = host.openLines(snapFile);
      for (let line = reader.next(); line !== null; line = reader.next()) {
        counters.inc('snapshot_lines');
        const rec = parseConntrackList(line, counters);
        if (rec) table.readEntry(rec, true);
      }
      reader.close();
      table.readSweep(Infinity, false);
    }
    pipeline.flush();
    stdoutSink.flush();
    let code = 0;
    if (ship) {
      ship.flush_();
      try {
        await ship.idle_();
        await ship.stop_();
        counters.inc('shipped_all', 1);
      } catch (e) {
        host.writeStderr(`netledger replay: broker ${ship.broker_}: ${errorText(e)}; ${ship.spool_.count_()} batches stay spooled\n`);
        await ship.stop_(0);
        code = 1;
      }
    }
    if (ship && !code && spoolDir !== o['spool-dir']) {
      try {
        host.remove(spoolDir);
      } catch {
        // something else in it: left where it is (nothing of ours is lost)
      }
    }
    host.writeStderr(summaryLine('replay', counters) + '\n');
    return code;
  },
};
