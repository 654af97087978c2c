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

export interface AgentDeps {
  host: Host;
  config: NetledgerConfig;
  configFile: string;
  configHash: string;
  log: (level: 'error' | 'warn' | 'info' | 'debug', msg: string) => void;
}

export class Agent {
  readonly counters = new Counters();
  readonly started: number;
  private pipeline!: Pipeline;
  private file: FileOutput | null = null;
  private fileSink: NdjsonSink | null = null;
  private ship: ShippingSink | null = null;
  private dns: LineInput | null = null;
  private conntrack: ConntrackSource | null = null;
  private leases: LeaseWatcher | null = null;
  private health: HealthSampler | null = null;
  private growth: GrowthWatch | null = null;
  private timers: TimerHandle[] = [];
  private stopping: Promise<void> | null = null;
  private lastDnsLine = 0;

  constructor(private readonly deps: AgentDeps) {
    this.started = deps.host.now();
  }

  start(): void {
    const { host, config: c, log } = this.deps;
    const counters = this.counters;
    const sinks: EventSink[] = [];
    if (c.output.enabled) {
      this.file = new FileOutput({ host, path: c.output.file, maxBytes: c.output.max_bytes, counters });
      this.fileSink = new NdjsonSink({ write: (t) => this.file!.write(t), counters, batchLines: 64 });
      sinks.push(this.fileSink);
    }
    if (c.mqtt.enabled) {
      this.ship = new ShippingSink({
        host, counters, sensor: c.agent.sensor_id, configHash: this.deps.configHash,
        capabilities: this.capabilities(),
        options: {
          url: c.mqtt.url, username: c.mqtt.username, password: c.mqtt.password,
          caFile: c.mqtt.ca_file, certFile: c.mqtt.cert_file, keyFile: c.mqtt.key_file,
          keepaliveSec: c.mqtt.keepalive, inflight: c.mqtt.inflight,
          reconnectMinMs: c.mqtt.reconnect_min * 1000, reconnectMaxMs: c.mqtt.reconnect_max * 1000,
          batch: { maxEvents: c.batch.max_events, maxBytes: c.batch.max_bytes, maxAgeSec: c.batch.max_age },
          spool: { dir: c.spool.dir, capBytes: c.spool.max_bytes },
        },
        countEvents: this.fileSink === null, // the NDJSON sink already counts every event
        onCommand: (name, payload) => this.command(name, payload),
        log: (m) => log('info', m),
      });
      sinks.push(this.ship);
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
    this.pipeline = new Pipeline({ counters, sink, options });
    this.ship?.start();

    if (c.ioc.feed.length) {
      const r = loadIocFeeds(host, c.ioc.feed, (p) => this.pipeline.loadIoc(p));
      if (!r.ok) log('warn', `ioc feeds: ${r.error}`);
    }

    if (c.dnsmasq.enabled) this.startDns();
    if (c.conntrack.enabled) {
      this.conntrack = new ConntrackSource({
        host, counters,
        onRecord: (r) => {
          counters.inc('conntrack_records');
          this.pipeline.ctRecord(r);
        },
        onSnapshot: (recs, now) => this.pipeline.ctSnapshot(recs, now),
        holds: this.pipeline.holdsFlow,
        bufferBytes: c.conntrack.netlink_buffer, mode: c.conntrack.mode,
        backoffMinMs: c.conntrack.restart_backoff_min * 1000, backoffMaxMs: c.conntrack.restart_backoff_max * 1000,
        pollMinMs: c.conntrack.proc_poll_min * 1000, pollMaxMs: c.conntrack.proc_poll_max * 1000,
      });
      this.conntrack.start();
    }
    this.leases = new LeaseWatcher({
      host, counters, devices: this.pipeline.devices, leaseFile: c.devices.leases_file || null,
      pollMs: c.devices.lease_poll * 1000,
      ubus: c.devices.ubus_leases ? new UbusClient({ host }) : null, odhcpdMs: c.devices.ubus_interval * 1000,
    });
    this.leases.start();

    if (c.streams.health) {
      this.health = new HealthSampler({
        host, counters, sensor: c.agent.sensor_id, watched: c.health.watch, budgetKb: c.agent.memory_budget,
        extra: () => (this.ship ? { spool_bytes: this.ship.spoolBytes() } : {}),
      });
      if (c.streams.alert) {
        this.growth = new GrowthWatch({ thresholdKb: c.health.growth_alert, emit: (a) => sink.emit(a) });
      }
      this.timers.push(host.setInterval(() => this.emitHealth(sink), c.health.interval * 1000));
    }
    this.timers.push(host.setInterval(() => this.tick(), 1000));
    this.timers.push(host.setInterval(() => this.writeStatus(), c.agent.status_interval * 1000));
    this.writeStatus();
    log('info', `started: sensor ${c.agent.sensor_id}, outputs ${sinks.length}, router addresses ${routers.join(' ') || '(learning)'}`);
  }

  /** Clean stop: sources first, then everything still open is emitted and shipped (bounded wait). */
  stop(): Promise<void> {
    if (this.stopping) return this.stopping;
    this.stopping = (async () => {
      await null; // a throw before the first await would end qjs (src/reject-later.ts)
      for (const t of this.timers) this.deps.host.clearTimer(t);
      this.timers = [];
      this.dns?.stop();
      this.conntrack?.stop();
      this.leases?.stop();
      this.pipeline.flush();
      this.fileSink?.flush();
      if (this.ship) {
        this.ship.flush();
        await this.ship.stop(3000);
      }
      this.writeStatus();
    })();
    return this.stopping;
  }

  /** SIGHUP: re-read leases, reopen the output file (after logrotate), reload indicator feeds. */
  reopen(): void {
    this.leases?.checkFile();
    this.file?.reopen();
    const c = this.deps.config;
    if (c.ioc.feed.length) loadIocFeeds(this.deps.host, c.ioc.feed, (p) => this.pipeline.loadIoc(p));
  }

  private startDns(): void {
    const { host, config: c } = this.deps;
    const offset = c.dnsmasq.utc_offset === 'auto' ? -new Date().getTimezoneOffset() * 60 : utcOffsetSeconds(c.dnsmasq.utc_offset) ?? 0;
    const parser = new DnsmasqLineParser({
      counters: this.counters, year: c.dnsmasq.year || undefined, utcOffsetMin: offset / 60, now: () => host.now(),
    });
    const spec: LineInputSpec =
      c.dnsmasq.input === 'file' ? { kind: 'file', path: c.dnsmasq.file }
        : c.dnsmasq.input === 'stdin' ? { kind: 'stdin' }
          : { kind: 'command', argv: ['logread', '-f', '-e', 'dnsmasq'] };
    this.dns = new LineInput({
      host, counters: this.counters, name: 'dnsmasq', spec,
      onLine: (line, truncated) => {
        this.counters.inc('dnsmasq_lines');
        this.lastDnsLine = host.now();
        if (truncated) {
          this.counters.drop('dnsmasq.too_long', 1, line);
          return;
        }
        const r = parser.parse(line);
        if (r) this.pipeline.dnsRecord(r);
      },
    });
    this.dns.start();
  }

  private tick(): void {
    const now = this.deps.host.now();
    this.pipeline.tick(now);
    this.ship?.tick(now);
    this.fileSink?.flush();
  }

  private emitHealth(sink: EventSink): void {
    try {
      const ev = this.health!.sample();
      sink.emit(ev);
      this.growth?.check(ev);
    } catch (e) {
      this.counters.drop('health_error', 1, String((e as Error).message ?? e));
    }
  }

  private command(name: string, payload: unknown): void {
    if (name === 'ioc') {
      const r = this.pipeline.loadIoc(JSON.stringify(payload));
      this.deps.log(r.ok ? 'info' : 'warn', r.ok ? `ioc: ${r.domains} domains, ${r.cidrs} addresses/prefixes loaded` : `ioc rejected: ${r.error}`);
      this.counters.inc(r.ok ? 'cmd_ioc_loaded' : 'cmd_ioc_rejected');
      return;
    }
    this.counters.drop('cmd_unknown', 1, name);
  }

  private capabilities(): string[] {
    const c = this.deps.config;
    const caps: string[] = [];
    if (c.dnsmasq.enabled) caps.push('dns');
    if (c.conntrack.enabled) caps.push('flow');
    for (const s of ['pdns', 'alert', 'health'] as const) if (c.streams[s]) caps.push(s);
    caps.push('cmd:ioc');
    return caps;
  }

  private writeStatus(): void {
    try {
      writeAgentStatus(this.deps.host, {
        config: this.deps.config, configFile: this.deps.configFile, configHash: this.deps.configHash,
        started: this.started, counters: this.counters, ship: this.ship, conntrack: this.conntrack?.stats(),
        dnsLast: this.lastDnsLine, dnsInput: this.deps.config.dnsmasq.input, pipeline: this.pipeline?.stats(),
      });
    } catch (e) {
      this.counters.drop('status_write_failed', 1, String((e as Error).message ?? e));
    }
  }
}
