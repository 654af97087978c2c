// The shipper over a scripted broker link (Node and qjs): which client id it connects with, and
// what mqtt.qos does to the batches (QoS 0 leaves the spool on the write, QoS 1 on the PUBACK).
import type { Cases } from '../support/cases';
import { eq, deepEq, ok } from '../support/check';
import type { Host, TimerHandle } from '../../src/host/types';
import type { ByteStream } from '../../src/transport/mqtt/client';
import { shipper, type ShipperDeps, type SpoolEntry, type SpoolLike } from '../../src/transport/shipper';
import { decode, encode, type ConnectPacket, type PublishPacket } from '../../src/transport/mqtt/packet';
import { Counters } from '../../src/counters';
import { utf8Encode, utf8Decode } from '../../src/compat/utf8';

/** Only the clock and timers the shipper and its client use; one-shot timers fire on fire_(). */
function fakeHost(): Host & { fire_(): void } {
  let id = 0;
  const once = new Map<number, () => void>();
  return {
    now: () => 1700000000, monotonic: () => 0,
    setTimeout: (fn: () => void): TimerHandle => { once.set(++id, fn); return { id }; },
    setInterval: (): TimerHandle => ({ id: ++id }),
    clearTimer: (t: TimerHandle) => { once.delete(t.id); },
    fire_() {
      const due = [...once];
      once.clear();
      for (const [, fn] of due) fn();
    },
  } as unknown as Host & { fire_(): void };
}

function memSpool(): SpoolLike & { entries: SpoolEntry[]; put(stream: string, s: string): void } {
  let n = 0;
  const sp = {
    entries: [] as SpoolEntry[],
    put(stream: string, s: string): void {
      sp.entries.push({ id_: String(++n), stream_: stream, payload_: utf8Encode(s) });
    },
    pending_: (): SpoolEntry[] => sp.entries.slice(),
    ack_(id: string): void {
      sp.entries = sp.entries.filter((e) => e.id_ !== id);
    },
  };
  return sp;
}

/** A broker link per connect: records the client's packets; the test answers by hand. */
function links() {
  const all: { sent: (ConnectPacket | PublishPacket | { cmd: string })[]; answer(p: Parameters<typeof encode>[0]): void; drop(): void }[] = [];
  const connect = (): ByteStream => {
    let data: (b: Uint8Array) => void = () => {};
    let close: (r: string) => void = () => {};
    const sent: (ConnectPacket | PublishPacket | { cmd: string })[] = [];
    all.push({ sent, answer: (p) => data(encode(p)), drop: () => close('link dropped') });
    return {
      write_: (b) => { sent.push(decode(b).value); },
      onData_: (cb) => { data = cb; },
      onClose_: (cb) => { close = cb; },
      close_: () => {},
    };
  };
  return { all, connect };
}

const tick = (): Promise<void> => new Promise<void>((r) => r()).then(() => undefined);

function ship(extra: Partial<ShipperDeps>) {
  const spool = memSpool();
  const l = links();
  const counters = new Counters();
  const host = fakeHost();
  const s = shipper({
    host_: host, counters_: counters, spool_: spool,
    status_: { sensor: 'r1', version: '0', started: 1, capabilities: [] },
    connect_: l.connect, mqtt_: { backoffMinMs_: 1 }, window_: 4, ...extra,
  });
  return { s, spool, l, counters, host };
}

const publishes = (sent: { cmd: string }[]): PublishPacket[] => sent.filter((p): p is PublishPacket => p.cmd === 'publish');

export const cases: Cases = {
  'client id: the configured one, else the sensor id': () => {
    for (const [given, want] of [['lab/sensor-7', 'lab/sensor-7'], ['', 'r1'], [undefined, 'r1']] as const) {
      const { s, l } = ship({ clientId_: given });
      s.start_();
      eq((l.all[0].sent[0] as ConnectPacket).clientId_, want, String(given));
      void s.stop_(0);
    }
  },

  'qos 0: batches go out at QoS 0 and leave the spool once written; status stays QoS 1 retained (qos 1: on PUBACK)': async () => {
    const { s, spool, l, counters } = ship({ qos_: 0 });
    for (let i = 0; i < 10; i++) spool.put(i % 2 ? 'dns' : 'flow', `b${i}`);
    s.start_();
    s.kick_();
    await tick();
    eq(spool.entries.length, 10, 'nothing leaves before CONNACK');
    eq(publishes(l.all[0].sent).length, 0, 'nothing written before CONNACK');
    l.all[0].answer({ cmd: 'connack', sessionPresent_: false, returnCode_: 0 });
    for (let i = 0; i < 10 && spool.entries.length; i++) await tick();
    eq(spool.entries.length, 0, 'all written, none acknowledged');
    ok(s.drained_());
    await s.idle_();
    const pubs = publishes(l.all[0].sent);
    const status = pubs.filter((p) => p.topic === 'netledger/v1/r1/status');
    deepEq(status.map((p) => [p.qos, p.retain]), [[1, true]]);
    const batches = pubs.filter((p) => p.topic !== 'netledger/v1/r1/status');
    deepEq(batches.map((p) => `${p.qos} ${p.topic.slice(16)} ${utf8Decode(p.payload)}`),
      Array.from({ length: 10 }, (_, i) => `0 ${i % 2 ? 'dns' : 'flow'} b${i}`));
    eq(counters.get('ship_batches'), 10);
    void s.stop_(0);
    // The default, QoS 1: written is not enough, the batch waits for its PUBACK.
    const q1 = ship({});
    q1.spool.put('dns', 'b0');
    q1.s.start_();
    q1.l.all[0].answer({ cmd: 'connack', sessionPresent_: false, returnCode_: 0 });
    await tick();
    const batch = publishes(q1.l.all[0].sent).find((p) => p.topic === 'netledger/v1/r1/dns')!;
    eq(batch.qos, 1);
    eq(q1.spool.entries.length, 1, 'written but not acknowledged');
    q1.l.all[0].answer({ cmd: 'puback', messageId: batch.messageId! });
    await tick();
    eq(q1.spool.entries.length, 0);
    void q1.s.stop_(0);
  },

  'qos 0: batches wait in the spool while the link is down; what was written before the drop is not re-sent': async () => {
    const { s, spool, l, counters, host } = ship({ qos_: 0 });
    s.start_();
    l.all[0].answer({ cmd: 'connack', sessionPresent_: false, returnCode_: 0 });
    l.all[0].answer({ cmd: 'puback', messageId: publishes(l.all[0].sent)[0].messageId! }); // the online status
    spool.put('dns', 'early');
    s.kick_();
    await tick();
    eq(spool.entries.length, 0);
    l.all[0].drop();
    spool.put('dns', 'late');
    s.kick_();
    await tick();
    eq(spool.entries.length, 1, 'kept while disconnected');
    ok(!s.drained_());
    host.fire_(); // the reconnect backoff
    eq(l.all.length, 2, 'a second link');
    l.all[1].answer({ cmd: 'connack', sessionPresent_: true, returnCode_: 0 });
    await tick();
    eq(spool.entries.length, 0);
    deepEq(publishes(l.all[1].sent).filter((p) => p.topic.endsWith('/dns')).map((p) => utf8Decode(p.payload)), ['late'],
      'the early batch is not re-sent');
    eq(counters.get('mqtt_resent'), 0);
    void s.stop_(0);
  },

  'a link that drops before the online status is acknowledged: one status in flight, not one more per reconnect': async () => {
    const { s, l, host } = ship({});
    s.start_();
    for (let i = 0; i < 5; i++) {
      l.all[i].answer({ cmd: 'connack', sessionPresent_: true, returnCode_: 0 });
      await tick();
      l.all[i].drop(); // no PUBACK
      host.fire_(); // the reconnect backoff
    }
    l.all[5].answer({ cmd: 'connack', sessionPresent_: true, returnCode_: 0 });
    await tick();
    const status = l.all.map((link) => publishes(link.sent).filter((p) => p.topic === 'netledger/v1/r1/status').length);
    deepEq(status, [1, 1, 1, 1, 1, 1], 'status publishes per link');
    const last = publishes(l.all[5].sent).find((p) => p.topic === 'netledger/v1/r1/status')!;
    ok(last.dup, 'the unacknowledged one, re-sent');
    l.all[5].answer({ cmd: 'puback', messageId: last.messageId! });
    await tick();
    await s.idle_();
    void s.stop_(0);
  },
};
