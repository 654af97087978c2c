// Run under real qjs by test/transport/qjs.test.ts (and by the bench): ships batches through
// `nc` into a broker with the QuickJS host. Args: port count payloadBytes mode
//   mode 'once'    : spool `count` batches, wait until all are acknowledged, print DONE.
//   mode 'restart' : as once, print PHASE1, then keep spooling one batch per 50 ms until a second
//                    connection has acknowledged everything, print DONE.
//   mode 'bench'   : as once, and print the rate.
import { createQuickJsHost } from '../../../src/host/quickjs';
import { Counters } from '../../../src/counters';
import { shipper as newShipper, type SpoolEntry } from '../../../src/transport/shipper';
import { brokerStreamFactory } from '../../../src/transport/stream';
import { parseBrokerUrl } from '../../../src/transport/url';

const host = createQuickJsHost();
const [portText, countText, sizeText, mode, ncText] = host.args;
const count = Number(countText);
const payload = new Uint8Array(Number(sizeText));
for (let i = 0; i < payload.length; i++) payload[i] = (i * 31) & 255;

const entries: SpoolEntry[] = [];
let seq = 0;
const spool = {
  pending_: () => entries,
  ack_: (id: string) => {
    const i = entries.findIndex((e) => e.id_ === id);
    if (i >= 0) entries.splice(i, 1);
  },
};
const put = (): void => {
  seq++;
  entries.push({ id_: String(seq), stream_: seq % 2 ? 'dns' : 'flow', payload_: payload });
};

const counters = new Counters();
const url = parseBrokerUrl(`mqtt://127.0.0.1:${portText}`);
const shipper = newShipper({
  host_: host, counters_: counters, spool_: spool,
  status_: { sensor: 'qjs-1', version: '0.1.0', started: host.now(), capabilities: [] },
  connect_: brokerStreamFactory(host, url, { nc_: (ncText ?? 'busybox nc').split(' ') }),
  mqtt_: { keepaliveSec_: 5, backoffMinMs_: 100, backoffMaxMs_: 400 },
  window_: 32,
  log_: (m) => host.writeStderr(m + '\n'),
});

const finish = async (): Promise<void> => {
  await shipper.stop_(500);
  host.writeStdout(`DONE ${JSON.stringify(counters.snapshot().counters)}\n`);
  host.exit(0);
};

(async () => {
  for (let i = 0; i < count; i++) put();
  const t0 = host.monotonic();
  shipper.start_();
  await shipper.idle_();
  const ms = host.monotonic() - t0;
  if (mode === 'bench') {
    host.writeStdout(`RATE ${JSON.stringify({ batches: count, bytes: count * payload.length, ms: Math.round(ms), batchesPerSec: Math.round((count * 1000) / ms) })}\n`);
    return finish();
  }
  if (mode === 'restart') {
    host.writeStdout('PHASE1\n');
    const tick = host.setInterval(() => {
      put();
      shipper.kick_();
      if (counters.get('mqtt_connects') >= 2 && counters.get('ship_batches') >= count + 5) {
        host.clearTimer(tick);
        shipper.idle_().then(finish);
      }
    }, 50);
    return;
  }
  return finish();
})().catch((e) => {
  host.writeStderr(`harness failed: ${e}\n`);
  host.exit(1);
});
