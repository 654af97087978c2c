// What happens to a flow after the flow table: direction → (own traffic left out) → devices →
// join → bypass → ioc → the sink. The table hands every flow to flowSlot first, which decides
// its direction from per-address bits kept with the table's strings (no text lookups per flow),
// then one of two ways, with the same output:
//  - flowSlot: when the NDJSON sink is the only consumer, the common flow is written as a line
//    straight from the table's slot (no 25-field object at ~700 qjs instructions a field);
//  - onFlow: the event object the table built (any sink; indicators loaded; bypass candidates).
// JSON key order is part of the NDJSON contract (decode must print the same line as replay):
// the flow table seats the later stages' fields in schema order, so they are filled in place.
import type { Counters } from '../counters';
import type { AlertEvent, FlowEvent, NetEvent } from '../events';
import type { FlowContext, FlowSlotSink, FlowTable } from '../pipeline/flows';
import type { Devices } from '../pipeline/devices';
import type { AnswerJoin } from '../pipeline/join';
import type { IocMatcher } from '../pipeline/ioc';
import type { NetModel } from '../pipeline/direction';
import { addressKind, KIND_LAN, KIND_ROUTER, type Direction } from '../pipeline/direction';
import { parseIPv4, normalizeIp } from '../pipeline/cidr';
import { BypassDetector } from '../pipeline/bypass';
import { encodeFlowAlert, encodeFlowNdjson, encodeFlowSlot } from '../codec/ndjson-flow';
import { F_DNAT } from '../sources/conntrack/flow-store';
import { errorText } from '../compat/lang';
import type { NetLearner } from './net-learn';
import type { NdjsonSink } from './ndjson-sink';
import type { PipelineOptions } from './pipeline';

export interface FlowStagesDeps {
  counters: Counters;
  options: PipelineOptions;
  net: NetLearner;
  /** the table whose flows come here (direction reads its per-address bits) */
  table: FlowTable;
  devices: Devices;
  join: AnswerJoin;
  ioc: IocMatcher;
  /** to the sink, errors counted_ (Pipeline.out) */
  out: (ev: NetEvent) => void;
}

export class FlowStages implements FlowSlotSink {
  private bypass_: BypassDetector | null = null;
  /** the bypass ports when bypass is on, else none: a flow to one of them takes the event path */
  private readonly bypassPorts_: Record<number, true> = Object.create(null);
  /** the model the table's per-address bits were taken under */
  private kindsNet_: NetModel | null = null;
  /** what join.annotate reads and writes, refilled per flow (the join needs no whole event) */
  private readonly probe_ = { ts: 0, mac: undefined as string | undefined, orig_h: '', resp_h: '', name: undefined as string | undefined, direct: undefined as boolean | undefined };

  /**
   * `lines_`: the NDJSON sink when it is the only consumer of flow events (flow stream on, no
   * indicators), so flowSlot may write lines; null sends every flow through onFlow.
   */
  // the deps the line path reads per flow, one property read away
  private readonly net_: NetLearner;
  private readonly devices_: Devices;
  private readonly join_: AnswerJoin;
  private readonly own_: boolean;
  /**
   * The join is on: off, it never learns an answer, so it could only count a LAN flow unknown
   * (join_unknown_*), not name it or call it direct.
   */
  private readonly joinOn_: boolean;

  private readonly deps_: FlowStagesDeps;

  // declared, not a parameter property: esbuild leaves a parameter property's class field unmangled
  declare lines_: NdjsonSink | null;

  constructor(deps_: FlowStagesDeps, lines: NdjsonSink | null) {
    this.deps_ = deps_;
    this.lines_ = lines;
    if (deps_.options.bypass.enabled) for (const p of deps_.options.bypass.ports) this.bypassPorts_[p] = true;
    this.net_ = deps_.net;
    this.devices_ = deps_.devices;
    this.join_ = deps_.join;
    this.own_ = deps_.options.own !== undefined;
    this.joinOn_ = deps_.options.join.enabled;
  }

  /**
   * The event way, after flowSlot declined the flow (the table asks it first for every flow,
   * and it leaves the flow's direction in dir_).
   */
  onFlow(raw: FlowEvent, ctx: FlowContext): void {
    const dir = this.dir_;
    raw.dir = dir;
    if (dir === 'router' && this.isOwnTraffic_(raw)) return;
    // Devices: the LAN host of the flow (its opener, or the target of an inbound one).
    const devices = this.deps_.devices;
    const info = devices.lookup(raw.orig_h) ?? (dir === 'inbound' ? devices.lookup(ctx.reply_h) : undefined);
    if (info !== undefined) {
      raw.mac = info.mac;
      raw.hostname = info.hostname;
    }
    if (this.joinOn_) this.deps_.join.annotate(raw, dir);
    const ev = raw;
    const bypass = this.bypassFor_();
    if (bypass) {
      bypass.check(ev, ctx.reply_h !== ev.resp_h ? ctx.reply_h : undefined, this.routers_);
      var line = this.flowLine_;
      if (line !== '') {
        // alert_ wrote the line path's alert (so no indicators: ioc has nothing to check)
        this.flowLine_ = '';
        try {
          this.lines_!.emitLine('flow', line);
        } catch (e) {
          this.deps_.counters.drop('sink_error_flow', 1, errorText(e));
        }
        return;
      }
    }
    this.deps_.ioc.checkFlow(ev);
    if (this.deps_.options.streams.flow !== false) this.deps_.out(ev);
  }

  /** The direction of the flow flowSlot last saw (onFlow's, when it declined it). */
  private dir_: Direction = 'transit';
  /**
   * For a bypass candidate flowSlot saw last: which of its addresses are the router's, as
   * BypassDetector.check takes them (from the bits kept per address, not parsed again).
   */
  private routers_ = 0;
  /** The line of the flow whose bypass alert alert_ just wrote, for onFlow; else ''. */
  private flowLine_ = '';

  // var locals: qjs 2025-04 checks each read of a let/const local for its dead zone
  flowSlot(table: FlowTable, slot: number, at: number, final: boolean): boolean {
    var store = table.store;
    var pool = table.pool;
    var text = pool.strings;
    var kinds = pool.kinds;
    var net = this.net_.model;
    // directionAt_() written out (a call costs qjs ~400 instructions, and the reads are shared)
    if (net !== this.kindsNet_) {
      kinds.fill(-1);
      this.kindsNet_ = net;
    }
    var strs = store.strs;
    var ho = strs[slot * 4];
    var hr = strs[slot * 4 + 1];
    var o = kinds[ho];
    if (o < 0) o = kinds[ho] = addressKind(text[ho], net);
    var r = kinds[hr];
    if (r < 0) r = kinds[hr] = addressKind(text[hr], net);
    var hp = store.flags[slot] & F_DNAT ? store.dnatHost(slot) : -1;
    var natted = hp >= 0 && hp !== hr;
    var k = 0;
    if (natted) {
      k = kinds[hp];
      if (k < 0) k = kinds[hp] = addressKind(text[hp], net);
    }
    // directionOf() written out, with the rare flows that have more to do sent the event way:
    // the agent's own connections, and DNS-looking flows of LAN clients (the bypass check may
    // raise an alert that embeds the flow)
    var dir: Direction;
    var lan = false;
    var inbound = false;
    var other = false; // the event way
    if (o & KIND_ROUTER) {
      other = this.own_;
      dir = 'router';
    } else if (r & KIND_ROUTER && (!natted || k & KIND_ROUTER)) dir = 'local';
    else if (o & KIND_LAN) {
      var proto = store.proto[slot];
      var dport = store.ports[slot * 3 + 1];
      if (dport === 65535) dport = store.port_(slot, 1); // (PORT_ODD: the port may be elsewhere)
      other = (proto === 6 || proto === 17) && this.bypassPorts_[dport] === true;
      if (other) this.routers_ = (r & KIND_ROUTER ? 2 : 0) | (natted && k & KIND_ROUTER ? 4 : 0);
      dir = 'lan';
      lan = true;
    } else if (natted ? k & KIND_LAN : r & KIND_LAN) {
      dir = 'inbound';
      inbound = true;
    } else dir = 'transit';
    this.dir_ = dir;
    var sink = this.lines_;
    if (sink === null || other) return false;
    var devices = this.devices_;
    var info: ReturnType<Devices['lookup']>;
    if (!devices.none) {
      info = devices.lookup(text[ho]);
      if (info === undefined && inbound) info = devices.lookup(hp >= 0 ? text[hp] : text[hr]);
    }
    var mac: string | undefined;
    var hostname: string | undefined;
    if (info !== undefined) {
      mac = info.mac;
      hostname = info.hostname;
    }
    var name: string | undefined;
    var direct: boolean | undefined;
    if (lan && this.joinOn_) {
      var probe = this.probe_;
      probe.ts = store.start[slot];
      probe.mac = mac;
      probe.orig_h = text[ho];
      probe.resp_h = text[hr];
      probe.name = undefined;
      probe.direct = undefined;
      this.join_.annotate(probe as unknown as FlowEvent, dir);
      name = probe.name;
      direct = probe.direct;
    }
    try {
      sink.emitLine('flow', encodeFlowSlot(store, text, table.sensor, slot, at, final, mac, hostname, name, direct, dir));
    } catch (e) {
      // as Pipeline.out: a sink's failure must not stop the sources
      this.deps_.counters.drop('sink_error_flow', 1, errorText(e));
    }
    return true;
  }

  /**
   * A bypass alert: with the NDJSON sink as the only consumer, written as a line by hand
   * (JSON.stringify of an alert that embeds its flow is dear in qjs); else through the pipeline.
   */
  private alert_(a: AlertEvent): void {
    var sink = this.lines_;
    // out() drops the alerts of a stream turned off
    if (sink === null || this.deps_.options.streams.alert === false) return this.deps_.out(a);
    try {
      // the flow's own line, encoded once: the alert embeds it and onFlow writes it (~15k qjs
      // instructions to encode)
      var flow = encodeFlowNdjson(a.event as FlowEvent);
      sink.emitLine('alert', encodeFlowAlert(a, flow));
      this.flowLine_ = flow;
    } catch (e) {
      // as Pipeline.out
      this.deps_.counters.drop('sink_error_alert', 1, errorText(e));
    }
  }

  private isOwnTraffic_(f: FlowEvent): boolean {
    const own = this.deps_.options.own;
    if (own === undefined) return false;
    for (const o of own) {
      if (f.resp_p !== o.port) continue;
      const literal = o.host.indexOf(':') >= 0 || parseIPv4(o.host) >= 0;
      if (!literal || normalizeIp(o.host) === f.resp_h) {
        this.deps_.counters.inc('flows_own');
        return true;
      }
    }
    return false;
  }

  /**
   * One detector for the agent's life: its per-client window must survive the net model
   * changing. It needs no router addresses of its own: check() is handed the router bits of the
   * flow's addresses (routers_), which follow the model.
   */
  private bypassFor_(): BypassDetector | null {
    const o = this.deps_.options;
    if (!o.bypass.enabled) return null;
    if (this.bypass_ === null) {
      this.bypass_ = new BypassDetector({
        counters: this.deps_.counters, emit: (a: AlertEvent) => this.alert_(a), sensor: o.sensor, routerAddrs: [],
        allowed: o.bypass.allow, windowSec: o.bypass.windowSec, ports: o.bypass.ports,
      });
    }
    return this.bypass_;
  }
}
