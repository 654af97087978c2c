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

export interface FlowStages extends FlowSlotSink {
  /**
   * The event way, after flowSlot declined the flow (the table asks it first for every flow,
   * and it leaves the flow's direction for this call).
   */
  onFlow(raw: FlowEvent, ctx: FlowContext): void;
  /** No more lines from the table: every flow becomes an event (indicators were loaded). */
  noLines_(): void;
}

/**
 * `new FlowStages(deps, lines)`: a constructor function returning its object, whose state is
 * closure locals (shorter than `this.x_` members, and a closure read is cheaper in qjs than a
 * member's). `lines`: the NDJSON sink when it is the only consumer of flow events (flow stream
 * on, no indicators), so flowSlot may write lines; null sends every flow through onFlow.
 * `var`: qjs 2025-04 checks each read of a let/const local for its dead zone.
 */
export const FlowStages = function (d: FlowStagesDeps, lines: NdjsonSink | null): FlowStages {
  var { counters, options: opt, net: learner, devices, join, ioc, out } = d;
  var bypass: BypassDetector | null = null;
  /** the bypass ports when bypass is on, else none: a flow to one of them takes the event path */
  var bypassPorts: Record<number, true> = Object.create(null);
  if (opt.bypass.enabled) for (const p of opt.bypass.ports) bypassPorts[p] = true;
  /** the model the table's per-address bits were taken under */
  var kindsNet: NetModel | null = null;
  /** what join.annotate reads and writes, refilled per flow (the join needs no whole event) */
  var probe = { ts: 0, mac: undefined as string | undefined, orig_h: '', resp_h: '', name: undefined as string | undefined, direct: undefined as boolean | undefined };
  var own = opt.own !== undefined;
  /**
   * The join is on: off, it never learns an answer, so it could only count a LAN flow unknown
   * (join_unknown_*), not name it or call it direct.
   */
  var joinOn = opt.join.enabled;
  /** The direction of the flow flowSlot last saw (onFlow's, when it declined it). */
  var lastDir: Direction = 'transit';
  /**
   * For a bypass candidate flowSlot saw last: which of its addresses are the router's, as
   * BypassDetector.check takes them (from the bits kept per address, not parsed again).
   */
  var routerBits = 0;
  /** The line of the flow whose bypass alert alertOut just wrote, for onFlow; else ''. */
  var flowLine = '';

  /**
   * A bypass alert: with the NDJSON sink as the only consumer, written as a line by hand
   * (JSON.stringify of an alert that embeds its flow is dear in qjs); else through the pipeline.
   */
  const alertOut = (a: AlertEvent): void => {
    // out() drops the alerts of a stream turned off
    if (lines === null || opt.streams.alert === false) return out(a);
    try {
      // the flow's own line, encoded once: the alert embeds it and onFlow writes it (~15k qjs
      // instructions to encode)
      var flow = encodeFlowNdjson(a.event as FlowEvent);
      lines.emitLine('alert', encodeFlowAlert(a, flow));
      flowLine = flow;
    } catch (e) {
      // as Pipeline's out: a sink's failure must not stop the sources
      counters.drop('sink_error_alert', 1, errorText(e));
    }
  };

  const isOwnTraffic = (f: FlowEvent): boolean | undefined =>
    opt.own?.some((w) => f.resp_p === w.port && (!(w.host.indexOf(':') >= 0 || parseIPv4(w.host) >= 0) || normalizeIp(w.host) === f.resp_h)) && (counters.inc('flows_own'), true);

  return {
    noLines_() {
      lines = null;
    },

    onFlow(raw, ctx) {
      var dir = lastDir;
      raw.dir = dir;
      if (dir === 'router' && isOwnTraffic(raw)) return;
      // Devices: the LAN host of the flow (its opener, or the target of an inbound one).
      var info = devices.lookup(raw.orig_h) ?? (dir === 'inbound' ? devices.lookup(ctx.reply_h) : undefined);
      if (info !== undefined) {
        raw.mac = info.mac;
        raw.hostname = info.hostname;
      }
      if (joinOn) join.annotate(raw, dir);
      // One detector for the agent's life: its per-client window must survive the net model
      // changing. It needs no router addresses of its own: check() is handed the router bits of
      // the flow's addresses (routerBits), which follow the model.
      if (opt.bypass.enabled) {
        bypass ??= new BypassDetector({
          counters, emit: alertOut, sensor: opt.sensor, routerAddrs: [],
          allowed: opt.bypass.allow, windowSec: opt.bypass.windowSec, ports: opt.bypass.ports,
        });
        bypass.check(raw, ctx.reply_h !== raw.resp_h ? ctx.reply_h : undefined, routerBits);
        var line = flowLine;
        if (line !== '') {
          // alertOut wrote the line path's alert (so no indicators: ioc has nothing to check)
          flowLine = '';
          try {
            lines!.emitLine('flow', line);
          } catch (e) {
            counters.drop('sink_error_flow', 1, errorText(e));
          }
          return;
        }
      }
      ioc.checkFlow(raw);
      if (opt.streams.flow !== false) out(raw);
    },

    flowSlot(table, slot, at, final) {
      var store = table.store;
      var pool = table.pool;
      var text = pool.strings;
      var kinds = pool.kinds;
      var net = learner.model;
      // directionAt() written out (a call costs qjs ~400 instructions, and the reads are shared)
      if (net !== kindsNet) {
        kinds.fill(-1);
        kindsNet = net;
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
        other = own;
        dir = 'router';
      } else if (r & KIND_ROUTER && (!natted || k & KIND_ROUTER)) dir = 'local';
      else if (o & KIND_LAN) {
        var proto = store.proto[slot];
        var dport = store.ports[slot * 3 + 1];
        if (dport === 65535) dport = store.port_(slot, 1); // (PORT_ODD: the port may be elsewhere)
        other = (proto === 6 || proto === 17) && bypassPorts[dport] === true;
        if (other) routerBits = (r & KIND_ROUTER ? 2 : 0) | (natted && k & KIND_ROUTER ? 4 : 0);
        dir = 'lan';
        lan = true;
      } else if (natted ? k & KIND_LAN : r & KIND_LAN) {
        dir = 'inbound';
        inbound = true;
      } else dir = 'transit';
      lastDir = dir;
      if (lines === null || other) return false;
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
      if (lan && joinOn) {
        probe.ts = store.start[slot];
        probe.mac = mac;
        probe.orig_h = text[ho];
        probe.resp_h = text[hr];
        probe.name = undefined;
        probe.direct = undefined;
        join.annotate(probe as unknown as FlowEvent, dir);
        name = probe.name;
        direct = probe.direct;
      }
      try {
        lines.emitLine('flow', encodeFlowSlot(store, text, table.sensor, slot, at, final, mac, hostname, name, direct, dir));
      } catch (e) {
        // as Pipeline's out: a sink's failure must not stop the sources
        counters.drop('sink_error_flow', 1, errorText(e));
      }
      return true;
    },
  };
} as unknown as new (deps: FlowStagesDeps, lines: NdjsonSink | null) => FlowStages;
