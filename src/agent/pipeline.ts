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
import type { HeldFlows } from '../sources/conntrack/proc-poll';
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
import type { DnsLineSource } from '../codec/ndjson';
import { FlowStages } from './flow-order';
import { NdjsonSink } from './ndjson-sink';
import { NetLearner } from './net-learn';
import { errorText } from '../compat/lang';

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
  private clock_ = 0;
  private readonly transactions_: TransactionAssembler;
  private readonly flows_: FlowTable;
  readonly devices_: Devices;
  private readonly join_: AnswerJoin;
  private readonly joinOn_: boolean;
  private readonly flowStages_: FlowStages;
  private readonly net_: NetLearner;
  private readonly learning_: boolean;
  /** sawFlow learns router addresses only: without that, NEW records need not go to it. */
  private readonly learnRouter_: boolean;
  private readonly pdns_: PassiveDns | null;
  private readonly ioc_: IocMatcher;
  /**
   * The NDJSON sink when it is the only consumer of `dns` events (no join, dns stream on; pdns
   * learns from the transaction): finished transactions are then written as lines without
   * building event objects.
   * Null once indicators may be loaded (ioc.checkDns needs the event).
   */
  private dnsLines_: NdjsonSink | null;

  private readonly deps_: { counters: Counters; sink: EventSink; options: PipelineOptions };

  constructor(deps_: { counters: Counters; sink: EventSink; options: PipelineOptions }) {
    this.deps_ = deps_;
    const o = deps_.options;
    const counters = deps_.counters;
    const sensor = o.sensor;
    this.devices_ = new Devices({ ...o.devices, counters, now: () => this.clock_ });
    this.joinOn_ = o.join.enabled;
    // The option groups carry the stages' own option names: spread in (extra keys are unread).
    this.join_ = new AnswerJoin({ ...o.join, counters });
    const pdnsOn = o.pdns.enabled && o.streams.pdns !== false;
    const lines = deps_.sink instanceof NdjsonSink ? deps_.sink : null;
    this.dnsLines_ = !this.joinOn_ && o.streams.dns !== false ? lines : null;
    this.transactions_ = new TransactionAssembler({
      ...o.dns, counters, sensor, emit: (ev) => this.onDns_(ev),
      lookupDevice: (ip) => this.devices_.lookup(ip),
      // bound: one call fewer per event; pdns learns there (from the transaction) on both paths
      emitTransaction: this.dnsLines_ === null && !pdnsOn ? undefined : this.dnsLine_.bind(this),
    });
    this.flows_ = new FlowTable({
      ...o.flows, counters, sensor, emit: (ev, ctx) => this.flowStages_.onFlow(ev, ctx),
    });
    this.holdsFlow = this.flows_.holds; // itself bound: one call fewer per UPDATE and DESTROY
    this.net_ = new NetLearner(o.net, o.learnNet);
    this.learnRouter_ = o.learnNet.router;
    // Fixed for the pipeline's life (set before it is built); spares two calls per line when off.
    this.learning_ = o.learnNet.lan || o.learnNet.router;
    this.pdns_ = pdnsOn
      ? new PassiveDns({ ...o.pdns, sensor, counters, emit: (ev) => this.out_(ev) })
      : null;
    // pdns lines are written from the table when the NDJSON sink is their only consumer (no indicator reads them)
    if (this.pdns_ !== null && lines !== null) this.pdns_.lines_ = lines;
    this.ioc_ = new IocMatcher({ ...o.ioc, sensor, counters, emit: (a) => this.out_(a) });
    // Flows go to the NDJSON sink as lines written from the table when it is their only consumer.
    this.flowStages_ = new FlowStages({ counters, options: o, net: this.net_, table: this.flows_, devices: this.devices_, join: this.join_, ioc: this.ioc_, out: (ev) => this.out_(ev) }, o.streams.flow !== false ? lines : null);
    this.flows_.slots = this.flowStages_; // it decides each flow's direction, and writes the line or declines
  }

  dnsRecord(rec: DnsLogRecord): void {
    if (rec.ts > this.clock_) this.clock_ = rec.ts;
    if (this.learning_) {
      if (rec.kind === 'query' && rec.client !== undefined) this.net_.sawDnsClient(rec.client, rec.clientPort);
      else if (rec.kind === 'forwarded' && rec.upstream !== undefined) this.net_.sawUpstream(rec.upstream);
    }
    this.transactions_.push(rec);
  }

  /**
   * A taker of common dnsmasq lines straight into the transactions (src/pipeline/dns-fast-line.ts),
   * for a feed that is the pipeline's only clock (no other input merged by time: replay of one
   * log, or the live feed). A line it refuses goes through parser.parse() and dnsRecord().
   */
  dnsFastLine(parser: DnsmasqLineParser): DnsFastLine {
    return new DnsFastLine(this.transactions_, parser, this.deps_.counters, this.learning_ ? this.net_ : null);
  }

  ctRecord(rec: CtRecord): void {
    if (rec.ts > this.clock_) this.clock_ = rec.ts;
    // sawFlow's own test first: a NEW record seldom has anything to teach it (a call per NEW spared)
    if (this.learnRouter_ && rec.kind === 'NEW' && (rec.dport === 53 || (rec.rdst !== rec.src && rec.rdst !== this.net_.routerNat_))) {
      this.net_.sawFlow(rec.src, rec.sport, rec.dst, rec.dport, rec.rdst !== rec.src ? rec.rdst : '');
    }
    this.flows_.push(rec);
  }

  /** Whether the flow table holds this conntrack id (lets the parser skip known flows' tuples). */
  readonly holdsFlow: (id: number) => boolean;

  /** The flow table, as what table reads (the live source's, replay's --proc-snapshot) are matched against. */
  ctTable_(): HeldFlows {
    return this.flows_;
  }

  setLeases_(origin: string, leases: Lease[]): void {
    this.devices_.setLeases_(origin, leases);
  }

  loadIoc_(payload: Uint8Array | string): IocLoadResult {
    this.dnsLines_ = null; // dns events must reach ioc.checkDns from now on
    this.flowStages_.lines_ = null; // and flow events ioc.checkFlow
    return this.ioc_.load_(payload);
  }

  /** Time moved on: expire what waited too long. */
  tick(nowSec: number): void {
    if (nowSec > this.clock_) this.clock_ = nowSec;
    this.transactions_.tick(nowSec);
    this.flows_.tick(nowSec);
    this.pdns_?.tick(nowSec);
    this.join_.expire(nowSec);
  }

  /** End of input: emit everything still open (incomplete transactions, open flows as final:false). */
  flush(): void {
    this.transactions_.flush();
    this.flows_.flush();
    this.pdns_?.flush();
  }

  now_(): number {
    return this.clock_;
  }

  stats_(): Record<string, number> {
    return {
      open_transactions: this.transactions_.openCount(),
      open_flows: this.flows_.size(),
      joinable_answers: this.join_.size(),
      devices: this.devices_.size_(),
    };
  }

  private onDns_(ev: DnsEvent): void {
    // The join is per device (its MAC when the leases know it), so a dual-stack client that asks
    // over IPv4 and connects over IPv6 is still joined.
    if (this.joinOn_) this.join_.learn(ev);
    this.ioc_.checkDns_(ev);
    if (this.deps_.options.streams.dns !== false) this.out_(ev);
  }

  /** Each finished transaction: pdns, then the direct `dns` path (see dnsLines); false hands it back for an event. */
  private dnsLine_(t: DnsLineSource): boolean {
    // var: qjs checks every read of a let/const local for its dead zone (once per dns event here)
    var p = this.pdns_;
    if (p !== null) p.learnAnswers(t.ts, t.ans, t.blocked, t.rcode); // before the line or event goes out
    var sink = this.dnsLines_;
    if (sink === null) return false;
    // no leases (replay without --leases): no lookup calls
    var d = t.client !== undefined && !this.devices_.none ? this.devices_.lookup(t.client) : undefined;
    try {
      sink.emitDns_(t, this.deps_.options.sensor, d);
    } catch (e) {
      // as out(): a sink's failure must not stop the sources
      this.deps_.counters.drop('sink_error_dns', 1, errorText(e));
    }
    return true;
  }

  /** The router addresses and LAN prefixes in use (configured plus learned). */
  netModel(): NetModel {
    return this.net_.model;
  }

  private out_(ev: NetEvent): void {
    if (ev.type !== 'dns' && ev.type !== 'flow' && this.deps_.options.streams[ev.type] === false) return;
    try {
      this.deps_.sink.emit(ev);
    } catch (e) {
      // A sink's failure must not stop the sources; it is counted and shows in health.
      this.deps_.counters.drop(`sink_error_${ev.type}`, 1, errorText(e));
    }
  }
}
