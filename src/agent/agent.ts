// The live agent: sources (dnsmasq log, conntrack, leases, /proc) feed the pipeline, whose
// events go to the configured sinks (an NDJSON file, MQTT through the spool). Assembled from the
// config once; every feature that is off is simply not built.
import type { Host, TimerHandle } from '../host/types';
import type { EventSink } from '../events';
import type { NetledgerConfig } from '../config/schema';
import { Counters } from '../counters';
import { Pipeline } from './pipeline';
import { pipelineOptions } from './options';
import { NdjsonSink, fanoutSink } from './ndjson-sink';
import { fileOutput, type FileOutput } from './file-output';
import { ShippingSink } from './shipping';
import { STREAMS } from '../transport/topics';
import { LineInput } from '../sources/line-input';
import { DnsmasqLineParser } from '../sources/dnsmasq/parser';
import { ConntrackSource } from '../sources/conntrack/live';
import { LeaseWatcher } from '../sources/lease-watch';
import { UbusClient } from '../ubus/client';
import { HealthSampler } from '../pipeline/health';
import { GrowthWatch } from '../pipeline/growth';
import { utcOffsetMinutes } from '../config/forms';
import { routerAddresses } from '../sources/netinfo';
import { loadIocFeeds } from '../sources/ioc-feed';
import { writeAgentStatus } from './status-writer';
import { errorText, toJson } from '../compat/lang';

export interface AgentDeps {
  host_: Host;
  config_: NetledgerConfig;
  configFile_: string;
  configHash_: string;
  log_: (level: 'error' | 'warn' | 'info' | 'debug', msg: string) => void;
}

export interface Agent {
  readonly counters_: Counters;
  start_(): void;
  /** Clean stop: sources first, then everything still open is emitted and shipped (bounded wait). */
  stop_(): Promise<void>;
  /** SIGHUP: re-read leases, reopen the output file (after logrotate), reload indicator feeds. */
  reopen_(): void;
}

/**
 * `new Agent(deps)`: a plain function whose closure holds the agent's state (locals are shorter
 * in the bundle than fields); called with `new`, it returns its object, as any constructor may.
 */
export const Agent = function (deps: AgentDeps): Agent {
  const { host_: host, config_: c, log_: log } = deps;
  // The config's sections, each read by name once here (config keys are never shortened).
  const { mqtt: mq, conntrack: ct, dnsmasq: dm, agent: ag, devices: dv, ioc } = c;
  // log_level 'debug': every drop as it happens, with what was dropped (the first 200 characters)
  const counters = new Counters(c.agent.log_level === 'debug'
    ? (reason, n, sample) => log('debug', `drop ${reason}${n === 1 ? '' : ` x${n}`}${sample === undefined ? '' : `: ${sample.slice(0, 200)}`}`)
    : undefined);
  // What most parts take: host_, config_, configHash_, counters_ (each keeps what it knows).
  const base = { ...deps, counters_: counters };
  const started = host.now();
  let pipeline: Pipeline | undefined;
  // Undefined until start_() builds them (and stays so when off).
  let file: FileOutput | undefined;
  let fileSink: NdjsonSink | undefined;
  let ship: ShippingSink | undefined;
  let dns: LineInput | undefined;
  let conntrack: ConntrackSource | undefined;
  let leases: LeaseWatcher | undefined;
  let stopping: Promise<void> | undefined;
  let timers: TimerHandle[] = [];
  let lastDnsLine = 0;

  function writeStatus(): void {
    try {
      writeAgentStatus(host, {
        ...base, started_: started, ship_: ship, conntrack_: conntrack?.stats_(),
        dnsLast_: lastDnsLine, pipeline_: pipeline?.stats_(),
      });
    } catch (e) {
      counters.drop('status_write_failed', 1, errorText(e));
    }
  }

  // The indicator feeds of the config, at start and on SIGHUP.
  const loadFeeds = (): void => {
    if (!ioc.feed.length) return;
    const r = loadIocFeeds(host, ioc.feed, (x) => pipeline!.loadIoc_(x));
    if (!r.ok) log('warn', `ioc feeds: ${r.error}`);
  };

  return {
    counters_: counters,

    start_(): void {
      const sinks: EventSink[] = [];
      if (c.output.enabled) {
        const f = file = fileOutput({ ...c.output, host, counters });
        sinks.push(fileSink = new NdjsonSink({ write: (t) => f.write_(t), counters, batchLines: 64 }));
      }
      if (mq.enabled) {
        // dns and flow by their source; the others by their stream switch
        const caps = [...STREAMS.filter((k) => k === 'dns' ? dm.enabled : k === 'flow' ? ct.enabled : c.streams[k]), 'cmd:ioc'];
        sinks.push(ship = new ShippingSink({
          ...base, capabilities_: caps,
          countEvents_: !fileSink, // the NDJSON sink already counts every event
          onCommand_: (name, payload) => {
            if (name !== 'ioc') return counters.drop('cmd_unknown', 1, name);
            const r = p.loadIoc_(toJson(payload));
            log(r.ok ? 'info' : 'warn', r.ok ? `ioc: ${r.domains} domains, ${r.cidrs} addresses/prefixes loaded` : `ioc rejected: ${r.error}`);
            counters.inc(`cmd_ioc_${r.ok ? 'loaded' : 'rejected'}`); // cmd_ioc_loaded, cmd_ioc_rejected
          },
          log_: (m) => log('info', m),
        }));
      }
      if (!sinks.length) throw new Error("no output: enable the 'out' section (NDJSON file) or 'mqtt'");
      const sink = sinks.length === 1 ? sinks[0] : fanoutSink(sinks);

      const routers = routerAddresses(host);
      const options = pipelineOptions(c, { routerAddrs: routers, lanPrefixes: [] });
      if (ship) options.own = [ship.url_]; // the broker connection is ours, not the LAN's
      options.learnNet.router &&= !routers.length;
      const p = pipeline = new Pipeline({ counters, sink, options });
      ship?.start_();
      loadFeeds();

      if (dm.enabled) {
        const offset = dm.utc_offset === 'auto' ? -new Date().getTimezoneOffset() : utcOffsetMinutes(dm.utc_offset) ?? 0;
        const parser = new DnsmasqLineParser({
          counters, format: dm.log_format, year: dm.year || undefined, utcOffsetMin_: offset, now_: () => host.now(),
        });
        // Common lines go straight into the open transactions; the rest through the parser. The live
        // feed is the assembler's only source of log time, as the lane requires. Bare lines have no
        // framing for the lane to cache (and their time is the clock's): all go the general way.
        const fast = dm.log_format === 'bare' ? null : p.dnsFastLine(parser);
        dns = new LineInput({
          ...dm, host, counters, name: 'dnsmasq',
          onLine: (line, truncated) => {
            counters.inc('dnsmasq_lines');
            lastDnsLine = host.now();
            if (truncated) return counters.drop('dnsmasq.too_long', 1, line);
            if (fast !== null && fast.take(line)) return;
            const r = parser.parse(line);
            if (r) p.dnsRecord(r);
          },
        });
        dns.start();
      }
      if (ct.enabled) {
        conntrack = new ConntrackSource({
          ...ct, host, counters,
          onRecord: (r) => {
            counters.inc('conntrack_records');
            p.ctRecord(r);
          },
          table: p.ctTable_(),
          holds: p.holdsFlow,
        });
        conntrack.start();
      }
      leases = new LeaseWatcher({
        ...dv, ...base, devices_: p.devices_,
        ubus_: dv.ubus_leases ? new UbusClient({ host_: host }) : null,
      });
      leases.start_();

      if (c.streams.health) {
        const health = new HealthSampler({
          ...base,
          extra_: () => (ship ? { spool_bytes: ship.spool_.bytes_() } : {}),
        });
        const growth = c.streams.alert ? new GrowthWatch({ thresholdKb: c.health.growth_alert, budgetKb: ag.memory_budget, emit: (a) => sink.emit(a) }) : null;
        timers.push(host.setInterval(() => {
          try {
            const ev = health.sample_();
            sink.emit(ev);
            growth?.check(ev);
          } catch (e) {
            counters.drop('health_error', 1, errorText(e));
          }
        }, c.health.interval * 1000));
      }
      timers.push(host.setInterval(() => {
        const now = host.now();
        p.tick(now);
        ship?.tick_(now);
        fileSink?.flush();
      }, 1000), host.setInterval(writeStatus, ag.status_interval * 1000));
      writeStatus();
      log('info', `started: sensor ${ag.sensor_id}, outputs ${sinks.length}, router addresses ${routers.join(' ') || '(learning)'}`);
    },

    stop_(): Promise<void> {
      return stopping ??= (async () => {
        await null; // a throw before the first await would end qjs (src/reject-later.ts)
        for (const t of timers) host.clearTimer(t);
        timers = [];
        dns?.stop();
        conntrack?.stop();
        leases?.stop_();
        pipeline!.flush();
        fileSink?.flush();
        if (ship) {
          ship.flush_();
          await ship.stop_(3000);
        }
        writeStatus();
      })();
    },

    reopen_(): void {
      leases?.checkFile_();
      file?.reopen_();
      loadFeeds();
    },
  };
} as unknown as new (deps: AgentDeps) => Agent;
