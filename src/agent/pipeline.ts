// The agent's data path, assembled once from the config: records from the sources go in, schema
// events come out to one sink. The same object serves `replay` (driven by the logs' own clock)
// and `run` (driven by the wall clock), so the join behaves offline exactly as it does live.
//
//   dnsmasq record → transactions → [devices] → join.learn, pdns, ioc → sink
//   conntrack record → flow table → direction → [devices] → join.annotate → bypass, ioc → sink
import type { Counters } from '../counters';
import type { EventSink, NetEvent } from '../events';
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

export interface PipelineDeps {
  counters: Counters;
  sink: EventSink;
  options: PipelineOptions;
}

export interface Pipeline {
  readonly devices_: Devices;
  dnsRecord(rec: DnsLogRecord): void;
  /**
   * A taker of common dnsmasq lines straight into the transactions (src/pipeline/dns-fast-line.ts),
   * for a feed that is the pipeline's only clock (no other input merged by time: replay of one
   * log, or the live feed). A line it refuses goes through parser.parse() and dnsRecord().
   */
  dnsFastLine(parser: DnsmasqLineParser): DnsFastLine;
  ctRecord(rec: CtRecord): void;
  /** Whether the flow table holds this conntrack id (lets the parser skip known flows' tuples). */
  readonly holdsFlow: (id: number) => boolean;
  /** The flow table, as what table reads (the live source's, replay's --proc-snapshot) are matched against. */
  ctTable_(): HeldFlows;
  setLeases_(origin: string, leases: Lease[]): void;
  loadIoc_(payload: Uint8Array | string): IocLoadResult;
  /** Time moved on: expire what waited too long. */
  tick(nowSec: number): void;
  /** End of input: emit everything still open (incomplete transactions, open flows as final:false). */
  flush(): void;
  now_(): number;
  stats_(): Record<string, number>;
  /** The router addresses and LAN prefixes in use (configured plus learned). */
  netModel(): NetModel;
}

/**
 * `new Pipeline(deps)`: a constructor function returning its object, whose state is closure
 * locals (shorter than `this.x_` members, and cheaper to read in qjs). `var`: most of it runs
 * per record, and qjs checks let/const for their dead zone on every read.
 */
export const Pipeline = function ({ counters, sink, options: o }: PipelineDeps): Pipeline {
  var sensor = o.sensor;
  /** The pipeline's clock: the newest time seen (log time in replay, wall time live). */
  var clock = 0;
  var devices = new Devices({ ...o.devices, counters, now: () => clock });
  var joinOn = o.join.enabled;
  // The option groups carry the stages' own option names: spread in (extra keys are unread).
  var join = new AnswerJoin({ ...o.join, counters });
  var pdnsOn = o.pdns.enabled && o.streams.pdns !== false;
  var lines = sink instanceof NdjsonSink ? sink : null;
  /**
   * The NDJSON sink when it is the only consumer of `dns` events (no join, dns stream on; pdns
   * learns from the transaction): finished transactions are then written as lines without
   * building event objects. Null once indicators may be loaded (ioc.checkDns needs the event).
   */
  var dnsLines = !joinOn && o.streams.dns !== false ? lines : null;
  var net = new NetLearner(o.net, o.learnNet);
  /** sawFlow learns router addresses only: without that, NEW records need not go to it. */
  var learnRouter = o.learnNet.router;
  // Fixed for the pipeline's life (set before it is built); spares two calls per line when off.
  var learning = o.learnNet.lan || learnRouter;

  function out(ev: NetEvent): void {
    if (ev.type !== 'dns' && ev.type !== 'flow' && o.streams[ev.type] === false) return;
    try {
      sink.emit(ev);
    } catch (e) {
      // A sink's failure must not stop the sources; it is counted and shows in health.
      counters.drop(`sink_error_${ev.type}`, 1, errorText(e));
    }
  }

  var pdns = pdnsOn ? new PassiveDns({ ...o.pdns, sensor, counters, emit: out }) : null;
  // pdns lines are written from the table when the NDJSON sink is their only consumer (no indicator reads them)
  if (pdns !== null && lines !== null) pdns.lines_ = lines;
  var ioc = new IocMatcher({ ...o.ioc, sensor, counters, emit: out });

  var transactions = new TransactionAssembler({
    ...o.dns, counters, sensor,
    emit: (ev) => {
      // The join is per device (its MAC when the leases know it), so a dual-stack client that
      // asks over IPv4 and connects over IPv6 is still joined.
      if (joinOn) join.learn(ev);
      ioc.checkDns_(ev);
      if (o.streams.dns !== false) out(ev);
    },
    lookupDevice: (ip) => devices.lookup(ip),
    // pdns learns there (from the transaction) on both paths; then the direct `dns` path (see
    // dnsLines); false hands it back for an event
    emitTransaction: dnsLines === null && !pdnsOn ? undefined : (t: DnsLineSource): boolean => {
      // var: qjs checks every read of a let/const local for its dead zone (once per dns event here)
      if (pdns !== null) pdns.learnAnswers(t.ts, t.ans, t.blocked, t.rcode); // before the line or event goes out
      var s = dnsLines;
      if (s === null) return false;
      // no leases (replay without --leases): no lookup calls
      var dev = t.client !== undefined && !devices.none ? devices.lookup(t.client) : undefined;
      try {
        s.emitDns_(t, sensor, dev);
      } catch (e) {
        // as out(): a sink's failure must not stop the sources
        counters.drop('sink_error_dns', 1, errorText(e));
      }
      return true;
    },
  });
  var flows = new FlowTable({ ...o.flows, counters, sensor, emit: (ev, ctx) => stages.onFlow(ev, ctx) });
  // Flows go to the NDJSON sink as lines written from the table when it is their only consumer.
  var stages = new FlowStages({ counters, options: o, net, table: flows, devices, join, ioc, out }, o.streams.flow !== false ? lines : null);
  flows.slots = stages; // it decides each flow's direction, and writes the line or declines

  return {
    devices_: devices,

    dnsRecord(rec) {
      if (rec.ts > clock) clock = rec.ts;
      if (learning) {
        if (rec.kind === 'query' && rec.client !== undefined) net.sawDnsClient(rec.client, rec.clientPort);
        else if (rec.kind === 'forwarded' && rec.upstream !== undefined) net.sawUpstream(rec.upstream);
      }
      transactions.push(rec);
    },

    dnsFastLine: (parser) => new DnsFastLine(transactions, parser, counters, learning ? net : null),

    ctRecord(rec) {
      if (rec.ts > clock) clock = rec.ts;
      // sawFlow's own test first: a NEW record seldom has anything to teach it (a call per NEW spared)
      if (learnRouter && rec.kind === 'NEW' && (rec.dport === 53 || (rec.rdst !== rec.src && rec.rdst !== net.routerNat_))) {
        net.sawFlow(rec.src, rec.sport, rec.dst, rec.dport, rec.rdst !== rec.src ? rec.rdst : '');
      }
      flows.push(rec);
    },

    holdsFlow: flows.holds, // itself bound: one call fewer per UPDATE and DESTROY

    ctTable_: () => flows,

    setLeases_: (origin, leases) => devices.setLeases_(origin, leases),

    loadIoc_(payload) {
      dnsLines = null; // dns events must reach ioc.checkDns from now on
      stages.noLines_(); // and flow events ioc.checkFlow
      return ioc.load_(payload);
    },

    tick(nowSec) {
      if (nowSec > clock) clock = nowSec;
      transactions.tick(nowSec);
      flows.tick(nowSec);
      pdns?.tick(nowSec);
      join.expire(nowSec);
    },

    flush() {
      transactions.flush();
      flows.flush();
      pdns?.flush();
    },

    now_: () => clock,

    stats_: () => ({
      open_transactions: transactions.openCount(),
      open_flows: flows.size(),
      joinable_answers: join.size(),
      devices: devices.size_(),
    }),

    netModel: () => net.model,
  };
} as unknown as new (deps: PipelineDeps) => Pipeline;
