// The agent's data path, assembled once from the config: records from the sources go in, schema
// events come out to one sink. The same object serves `replay` (driven by the logs' own clock)
// and `run` (driven by the wall clock), so the join behaves offline exactly as it does live.
//
//   dnsmasq record → transactions → [devices] → join.learn, pdns, ioc → sink
//   conntrack record → flow table → direction → [devices] → join.annotate → bypass, ioc → sink
import type { Counters } from '../counters';
import type { DnsEvent, EventSink, NetEvent } from '../events';
import type { DnsLogRecord } from '../sources/dnsmasq/record';
import type { CtRecord } from '../sources/conntrack/record';
import type { Lease } from '../sources/leases';
import type { NetModel } from '../pipeline/direction';
import { TransactionAssembler } from '../pipeline/transactions';
import { DnsFastLine } from '../pipeline/dns-fast-line';
import type { DnsmasqLineParser } from '../sources/dnsmasq/parser';
import { FlowTable } from '../pipeline/flows';
import { Devices } from '../pipeline/devices';
import { AnswerJoin } from '../pipeline/join';
import { PassiveDns } from '../pipeline/pdns';
import { IocMatcher, type IocLoadResult } from '../pipeline/ioc';
import { encodeDnsLine, type DnsLineSource } from '../codec/ndjson';
import { FlowStages } from './flow-order';
import { NdjsonSink } from './ndjson-sink';
import { NetLearner } from './net-learn';

export interface PipelineOptions {
  sensor: string;
  /** Configured router addresses and LAN prefixes; `learn` fills in what is not configured. */
  net: NetModel;
  learnNet: { lan: boolean; router: boolean };
  dns: { timeoutSec: number; maxOpen: number };
  flows: { interimSec: number; maxFlows: number };
  devices: { graceSec: number; maxDevices: number };
  /** `enabled: false` when no flows can come (no conntrack input): answers need not be kept. */
  join: { enabled: boolean; ttlSec: number; maxPerClient: number; maxTotal: number; warmupSec?: number };
  bypass: { enabled: boolean; ports: number[]; allow: string[]; windowSec: number };
  pdns: { enabled: boolean; windowSec: number; maxRecords: number };
  ioc: { maxIndicators: number };
  /** Event types that reach the sink; the others are still computed where other stages need them. */
  streams: Record<string, boolean>;
  /**
   * The agent's own connections (its MQTT broker): `host` as written in the url — an address
   * matches exactly, a name matches any address — and port. Left out of the flow stream, counted.
   */
  own?: { host: string; port: number }[];
}

export class Pipeline {
  /** The pipeline's clock: the newest time seen (log time in replay, wall time live). */
  private clock = 0;
  private readonly transactions: TransactionAssembler;
  private readonly flows: FlowTable;
  readonly devices: Devices;
  private readonly join: AnswerJoin;
  private readonly joinOn: boolean;
  private readonly flowStages: FlowStages;
  private readonly net: NetLearner;
  private readonly learning: boolean;
  private readonly pdns: PassiveDns | null;
  private readonly ioc: IocMatcher;
  /**
   * The NDJSON sink when it is the only consumer of `dns` events (no join, dns stream on; pdns
   * learns from the transaction): finished transactions are then written as lines without
   * building event objects.
   * Null once indicators may be loaded (ioc.checkDns needs the event).
   */
  private dnsLines: NdjsonSink | null;

  constructor(private readonly deps: { counters: Counters; sink: EventSink; options: PipelineOptions }) {
    const o = deps.options;
    const counters = deps.counters;
    const sensor = o.sensor;
    this.devices = new Devices({ counters, now: () => this.clock, graceSec: o.devices.graceSec, maxDevices: o.devices.maxDevices });
    this.joinOn = o.join.enabled;
    this.join = new AnswerJoin({
      counters, ttlSec: o.join.ttlSec, maxPerClient: o.join.maxPerClient, maxTotal: o.join.maxTotal,
      warmupSec: o.join.warmupSec,
    });
    const pdnsOn = o.pdns.enabled && o.streams.pdns !== false;
    this.dnsLines = deps.sink instanceof NdjsonSink && !this.joinOn && o.streams.dns !== false ? deps.sink : null;
    this.transactions = new TransactionAssembler({
      counters, sensor, emit: (ev) => this.onDns(ev), timeoutSec: o.dns.timeoutSec, maxOpen: o.dns.maxOpen,
      lookupDevice: (ip) => this.devices.lookup(ip),
      // bound: one call fewer per event; pdns learns there (from the transaction) on both paths
      emitTransaction: this.dnsLines === null && !pdnsOn ? undefined : this.dnsLine.bind(this),
    });
    this.flows = new FlowTable({
      counters, sensor, emit: (ev, ctx) => this.flowStages.onFlow(ev, ctx), interimSec: o.flows.interimSec, maxFlows: o.flows.maxFlows,
    });
    this.net = new NetLearner(o.net, o.learnNet);
    // Fixed for the pipeline's life (set before it is built); spares two calls per line when off.
    this.learning = o.learnNet.lan || o.learnNet.router;
    this.pdns = pdnsOn
      ? new PassiveDns({ sensor, counters, emit: (ev) => this.out(ev), windowSec: o.pdns.windowSec, maxRecords: o.pdns.maxRecords })
      : null;
    this.ioc = new IocMatcher({ sensor, counters, emit: (a) => this.out(a), maxIndicators: o.ioc.maxIndicators });
    // Flows go to the NDJSON sink as lines written from the table when it is their only consumer.
    const flowLines = deps.sink instanceof NdjsonSink && o.streams.flow !== false ? deps.sink : null;
    this.flowStages = new FlowStages({ counters, options: o, net: this.net, table: this.flows, devices: this.devices, join: this.join, ioc: this.ioc, out: (ev) => this.out(ev) }, flowLines);
    if (flowLines !== null) this.flows.slots = this.flowStages;
  }

  dnsRecord(rec: DnsLogRecord): void {
    if (rec.ts > this.clock) this.clock = rec.ts;
    if (this.learning) {
      if (rec.kind === 'query' && rec.client !== undefined) this.net.sawDnsClient(rec.client, rec.clientPort);
      else if (rec.kind === 'forwarded' && rec.upstream !== undefined) this.net.sawUpstream(rec.upstream);
    }
    this.transactions.push(rec);
  }

  /**
   * A taker of common dnsmasq lines straight into the transactions (src/pipeline/dns-fast-line.ts),
   * for a feed that is the pipeline's only clock (no other input merged by time: replay of one
   * log, or the live feed). A line it refuses goes through parser.parse() and dnsRecord().
   */
  dnsFastLine(parser: DnsmasqLineParser): DnsFastLine {
    return new DnsFastLine(this.transactions, parser, this.deps.counters, this.learning ? this.net : null);
  }

  ctRecord(rec: CtRecord): void {
    if (rec.ts > this.clock) this.clock = rec.ts;
    if (rec.kind === 'NEW') this.net.sawFlow(rec.src, rec.sport, rec.dst, rec.dport, rec.rdst !== rec.src ? rec.rdst : '');
    this.flows.push(rec);
  }

  /** Whether the flow table holds this conntrack id (lets the parser skip known flows' tuples). */
  readonly holdsFlow = (id: number): boolean => this.flows.holds(id);

  /** A table dump after a gap in the event stream (conntrack restarted) or at the end of a replay. */
  ctSnapshot(recs: CtRecord[], nowSec: number): void {
    if (nowSec > this.clock) this.clock = nowSec;
    this.flows.reconcile(recs, nowSec);
  }

  setLeases(origin: string, leases: Lease[]): void {
    this.devices.setLeases(origin, leases);
  }

  loadIoc(payload: Uint8Array | string): IocLoadResult {
    this.dnsLines = null; // dns events must reach ioc.checkDns from now on
    this.flows.slots = null; // and flow events ioc.checkFlow
    return this.ioc.load(payload);
  }

  /** Time moved on: expire what waited too long. */
  tick(nowSec: number): void {
    if (nowSec > this.clock) this.clock = nowSec;
    this.transactions.tick(nowSec);
    this.flows.tick(nowSec);
    this.pdns?.tick(nowSec);
    this.join.expire(nowSec);
  }

  /** End of input: emit everything still open (incomplete transactions, open flows as final:false). */
  flush(): void {
    this.transactions.flush();
    this.flows.flush();
    this.pdns?.flush();
  }

  now(): number {
    return this.clock;
  }

  stats(): Record<string, number> {
    return {
      open_transactions: this.transactions.openCount(),
      open_flows: this.flows.size(),
      joinable_answers: this.join.size(),
      devices: this.devices.size(),
    };
  }

  private onDns(ev: DnsEvent): void {
    // The join is per device (its MAC when the leases know it), so a dual-stack client that asks
    // over IPv4 and connects over IPv6 is still joined.
    if (this.joinOn) this.join.learn(ev);
    this.ioc.checkDns(ev);
    if (this.deps.options.streams.dns !== false) this.out(ev);
  }

  /** Each finished transaction: pdns, then the direct `dns` path (see dnsLines); false hands it back for an event. */
  private dnsLine(t: DnsLineSource): boolean {
    this.pdns?.learnAnswers(t.ts, t.ans, t.blocked, t.rcode); // before the line or event goes out
    const sink = this.dnsLines;
    if (sink === null) return false;
    // no leases (replay without --leases): no lookup calls
    const d = t.client !== undefined && !this.devices.none ? this.devices.lookup(t.client) : undefined;
    try {
      sink.emitLine('dns', encodeDnsLine(t, this.deps.options.sensor, d));
    } catch (e) {
      // as out(): a sink's failure must not stop the sources
      this.deps.counters.drop('sink_error_dns', 1, String((e as Error).message ?? e));
    }
    return true;
  }

  /** The router addresses and LAN prefixes in use (configured plus learned). */
  netModel(): NetModel {
    return this.net.model();
  }

  private out(ev: NetEvent): void {
    if (ev.type !== 'dns' && ev.type !== 'flow' && this.deps.options.streams[ev.type] === false) return;
    try {
      this.deps.sink.emit(ev);
    } catch (e) {
      // A sink's failure must not stop the sources; it is counted and shows in health.
      this.deps.counters.drop(`sink_error_${ev.type}`, 1, String((e as Error).message ?? e));
    }
  }
}
