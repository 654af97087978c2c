// The live agent: sources (dnsmasq log, conntrack, leases, /proc) feed the pipeline, whose
// events go to the configured sinks (an NDJSON file, MQTT through the spool). Assembled from the
// config once; every feature that is off is simply not built.
import type { Host, TimerHandle } from '../host/types';
import type { EventSink } from '../events';
import type { NetledgerConfig } from '../config/schema';
import { Counters } from '../counters';
import { Pipeline } from './pipeline';
import { pipelineOptions } from './options';
import { NdjsonSink, FanoutSink } from './ndjson-sink';
import { FileOutput } from './file-output';
import { ShippingSink } from './shipping';
import { parseBrokerUrl } from '../transport/url';
import { LineInput, type LineInputSpec } from '../sources/line-input';
import { DnsmasqLineParser } from '../sources/dnsmasq/parser';
import { ConntrackSource } from '../sources/conntrack/live';
import { LeaseWatcher } from '../sources/lease-watch';
import { UbusClient } from '../ubus/client';
import { HealthSampler } from '../pipeline/health';
import { GrowthWatch } from '../pipeline/growth';
import { utcOffsetSeconds } from '../config/forms';
import { routerAddresses } from '../sources/netinfo';
import { loadIocFeeds } from '../sources/ioc-feed';
import { writeAgentStatus } from './status-writer';
import { errorText } from '../compat/lang';

export interface AgentDeps {
  host_: Host;
  config_: NetledgerConfig;
  configFile_: string;
  configHash_: string;
  log_: (level: 'error' | 'warn' | 'info' | 'debug', msg: string) => void;
}

export class Agent {
  readonly counters_ = new Counters();
  declare readonly started_: number;
  declare private pipeline_: Pipeline;
  // Undefined until start_() builds them (and stays so when off): no initializers to carry.
  declare private file_?: FileOutput;
  declare private fileSink_?: NdjsonSink;
  declare private ship_?: ShippingSink;
  declare private dns_?: LineInput;
  declare private conntrack_?: ConntrackSource;
  declare private leases_?: LeaseWatcher;
  declare private stopping_?: Promise<void>;
  private timers_: TimerHandle[] = [];
  private lastDnsLine_ = 0;

  declare private readonly deps_: AgentDeps;

  constructor(deps_: AgentDeps) {
    this.deps_ = deps_;
    this.started_ = deps_.host_.now();
  }

  start_(): void {
    const { host_: host, config_: c, log_: log } = this.deps_;
    const counters = this.counters_;
    const sinks: EventSink[] = [];
    if (c.output.enabled) {
      this.file_ = new FileOutput({ host, path: c.output.file, maxBytes: c.output.max_bytes, counters });
      this.fileSink_ = new NdjsonSink({ write: (t) => this.file_!.write_(t), counters, batchLines: 64 });
      sinks.push(this.fileSink_);
    }
    if (c.mqtt.enabled) {
      this.ship_ = new ShippingSink({
        host_: host, counters_: counters, sensor_: c.agent.sensor_id, configHash_: this.deps_.configHash_,
        capabilities_: this.capabilities_(),
        options_: {
          url_: c.mqtt.url, username_: c.mqtt.username, password_: c.mqtt.password,
          caFile_: c.mqtt.ca_file, certFile_: c.mqtt.cert_file, keyFile_: c.mqtt.key_file,
          keepaliveSec_: c.mqtt.keepalive, inflight_: c.mqtt.inflight,
          reconnectMinMs_: c.mqtt.reconnect_min * 1000, reconnectMaxMs_: c.mqtt.reconnect_max * 1000,
          batch_: { maxEvents: c.batch.max_events, maxBytes: c.batch.max_bytes, maxAgeSec: c.batch.max_age },
          spool_: { dir: c.spool.dir, capBytes: c.spool.max_bytes },
        },
        countEvents_: !this.fileSink_, // the NDJSON sink already counts every event
        onCommand_: (name, payload) => this.command_(name, payload),
        log_: (m) => log('info', m),
      });
      sinks.push(this.ship_);
    }
    if (sinks.length === 0) throw new Error("no output: enable the 'out' section (NDJSON file) or 'mqtt'");
    const sink = sinks.length === 1 ? sinks[0] : new FanoutSink(sinks);

    const routers = routerAddresses(host);
    const options = pipelineOptions(c, { routerAddrs: routers, lanPrefixes: [] });
    if (c.mqtt.enabled) {
      const u = parseBrokerUrl(c.mqtt.url);
      options.own = [{ host: u.host, port: u.port }];
    }
    options.learnNet.router = options.learnNet.router && routers.length === 0;
    this.pipeline_ = new Pipeline({ counters, sink, options });
    this.ship_?.start_();

    if (c.ioc.feed.length) {
      const r = loadIocFeeds(host, c.ioc.feed, (p) => this.pipeline_.loadIoc_(p));
      if (!r.ok) log('warn', `ioc feeds: ${r.error}`);
    }

    if (c.dnsmasq.enabled) this.startDns_();
    if (c.conntrack.enabled) {
      this.conntrack_ = new ConntrackSource({
        host, counters,
        onRecord: (r) => {
          counters.inc('conntrack_records');
          this.pipeline_.ctRecord(r);
        },
        table: this.pipeline_.ctTable_(),
        holds: this.pipeline_.holdsFlow,
        bufferBytes: c.conntrack.netlink_buffer, mode: c.conntrack.mode,
        backoffMinMs_: c.conntrack.restart_backoff_min * 1000, backoffMaxMs_: c.conntrack.restart_backoff_max * 1000,
        pollMinMs: c.conntrack.proc_poll_min * 1000, pollMaxMs: c.conntrack.proc_poll_max * 1000,
      });
      this.conntrack_.start();
    }
    this.leases_ = new LeaseWatcher({
      host_: host, counters_: counters, devices_: this.pipeline_.devices_, leaseFile_: c.devices.leases_file || null,
      pollMs_: c.devices.lease_poll * 1000,
      ubus_: c.devices.ubus_leases ? new UbusClient({ host_: host }) : null, odhcpdMs_: c.devices.ubus_interval * 1000,
    });
    this.leases_.start_();

    if (c.streams.health) {
      const health = new HealthSampler({
        host_: host, counters_: counters, sensor_: c.agent.sensor_id, watched_: c.health.watch, budgetKb_: c.agent.memory_budget,
        extra_: () => (this.ship_ ? { spool_bytes: this.ship_.spoolBytes_() } : {}),
      });
      const growth = c.streams.alert ? new GrowthWatch({ thresholdKb: c.health.growth_alert, emit: (a) => sink.emit(a) }) : null;
      this.timers_.push(host.setInterval(() => {
        try {
          const ev = health.sample_();
          sink.emit(ev);
          growth?.check(ev);
        } catch (e) {
          counters.drop('health_error', 1, errorText(e));
        }
      }, c.health.interval * 1000));
    }
    this.timers_.push(host.setInterval(() => this.tick_(), 1000));
    this.timers_.push(host.setInterval(() => this.writeStatus_(), c.agent.status_interval * 1000));
    this.writeStatus_();
    log('info', `started: sensor ${c.agent.sensor_id}, outputs ${sinks.length}, router addresses ${routers.join(' ') || '(learning)'}`);
  }

  /** Clean stop: sources first, then everything still open is emitted and shipped (bounded wait). */
  stop_(): Promise<void> {
    if (this.stopping_) return this.stopping_;
    this.stopping_ = (async () => {
      await null; // a throw before the first await would end qjs (src/reject-later.ts)
      for (const t of this.timers_) this.deps_.host_.clearTimer(t);
      this.timers_ = [];
      this.dns_?.stop();
      this.conntrack_?.stop();
      this.leases_?.stop_();
      this.pipeline_.flush();
      this.fileSink_?.flush();
      if (this.ship_) {
        this.ship_.flush_();
        await this.ship_.stop_(3000);
      }
      this.writeStatus_();
    })();
    return this.stopping_;
  }

  /** SIGHUP: re-read leases, reopen the output file (after logrotate), reload indicator feeds. */
  reopen_(): void {
    this.leases_?.checkFile_();
    this.file_?.reopen_();
    const c = this.deps_.config_;
    if (c.ioc.feed.length) loadIocFeeds(this.deps_.host_, c.ioc.feed, (p) => this.pipeline_.loadIoc_(p));
  }

  private startDns_(): void {
    const { host_: host, config_: c } = this.deps_;
    const offset = c.dnsmasq.utc_offset === 'auto' ? -new Date().getTimezoneOffset() * 60 : utcOffsetSeconds(c.dnsmasq.utc_offset) ?? 0;
    const parser = new DnsmasqLineParser({
      counters: this.counters_, year: c.dnsmasq.year || undefined, utcOffsetMin_: offset / 60, now_: () => host.now(),
    });
    const spec: LineInputSpec =
      c.dnsmasq.input === 'file' ? { kind: 'file', path: c.dnsmasq.file }
        : c.dnsmasq.input === 'stdin' ? { kind: 'stdin' }
          : { kind: 'command', argv: ['logread', '-f', '-e', 'dnsmasq'] };
    // Common lines go straight into the open transactions; the rest through the parser. The live
    // feed is the assembler's only source of log time, as the lane requires.
    const fast = this.pipeline_.dnsFastLine(parser);
    this.dns_ = new LineInput({
      host, counters: this.counters_, name: 'dnsmasq', spec,
      onLine: (line, truncated) => {
        this.counters_.inc('dnsmasq_lines');
        this.lastDnsLine_ = host.now();
        if (truncated) {
          this.counters_.drop('dnsmasq.too_long', 1, line);
          return;
        }
        if (fast.take(line)) return;
        const r = parser.parse(line);
        if (r) this.pipeline_.dnsRecord(r);
      },
    });
    this.dns_.start();
  }

  private tick_(): void {
    const now = this.deps_.host_.now();
    this.pipeline_.tick(now);
    this.ship_?.tick_(now);
    this.fileSink_?.flush();
  }

  private command_(name: string, payload: unknown): void {
    if (name === 'ioc') {
      const r = this.pipeline_.loadIoc_(JSON.stringify(payload));
      this.deps_.log_(r.ok ? 'info' : 'warn', r.ok ? `ioc: ${r.domains} domains, ${r.cidrs} addresses/prefixes loaded` : `ioc rejected: ${r.error}`);
      this.counters_.inc(r.ok ? 'cmd_ioc_loaded' : 'cmd_ioc_rejected');
      return;
    }
    this.counters_.drop('cmd_unknown', 1, name);
  }

  private capabilities_(): string[] {
    const c = this.deps_.config_;
    const caps: string[] = [];
    if (c.dnsmasq.enabled) caps.push('dns');
    if (c.conntrack.enabled) caps.push('flow');
    for (const s of ['pdns', 'alert', 'health'] as const) if (c.streams[s]) caps.push(s);
    caps.push('cmd:ioc');
    return caps;
  }

  private writeStatus_(): void {
    try {
      writeAgentStatus(this.deps_.host_, {
        ...this.deps_, started_: this.started_, counters_: this.counters_, ship_: this.ship_, conntrack_: this.conntrack_?.stats_(),
        dnsLast_: this.lastDnsLine_, pipeline_: this.pipeline_?.stats_(),
      });
    } catch (e) {
      this.counters_.drop('status_write_failed', 1, errorText(e));
    }
  }
}
