#!/usr/bin/env node
// Issue 4 figures: wire bytes per dns event (codec-bytes.mjs), encode instructions per event
// (codec-instr.mjs), shipping rate through nc into Mosquitto (mqtt-throughput.mjs), and the end
// to end path: `replay --dnsmasq <log> --mqtt mqtt://127.0.0.1:PORT` into a Mosquitto started
// here on a free loopback port, payload bytes counted by mosquitto_sub.
//   node scripts/bench/bench-transport.mjs time|instr
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, openSync, closeSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { BUNDLE, OUT, QJS, QJS_AGENT, ROOT, freePort, measure, replaySummary, writeJson } from './bench-lib.mjs';

const phase = process.argv[2];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function node(args) {
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26, timeout: 400_000 });
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${r.stderr.slice(-1500)}`);
  return r.stdout;
}

async function waitPort(port) {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise((r) => { const s = connect(port, '127.0.0.1'); s.once('connect', () => { s.destroy(); r(true); }); s.once('error', () => r(false)); });
    if (ok) return;
    await sleep(25);
  }
  throw new Error(`nothing listens on ${port}`);
}

async function endToEnd() {
  const log = join(OUT, 'dns-cg.log');
  const N = Number(process.env.DNS_CG_LINES);
  const dir = mkdtempSync(join(OUT, 'mqtt-'));
  chmodSync(dir, 0o755); // mosquitto started as root drops to its own user
  const port = await freePort();
  writeFileSync(join(dir, 'mosquitto.conf'), `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest none\nmax_queued_messages 100000\n`);
  const broker = spawn('mosquitto', ['-c', join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
  let sub = null;
  try {
    await waitPort(port);
    const subOut = join(dir, 'sub.txt');
    const fd = openSync(subOut, 'w');
    sub = spawn('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(port), '-q', '1', '-i', 'bench-sub', '-t', 'netledger/v1/+/+', '-F', '%t %x'], { stdio: ['ignore', fd, 'ignore'] });
    closeSync(fd);
    await sleep(700);
    const r = await measure([...QJS_AGENT, BUNDLE, 'replay', '--dnsmasq', log, '--year', '2026', '--sensor', 'bench', '--mqtt', `mqtt://127.0.0.1:${port}`, '--spool-dir', join(dir, 'spool')]);
    if (r.status !== 0) throw new Error(`replay --mqtt failed (${r.status}): ${r.stderr.slice(-1500)}`);
    // QoS 1 acks mean the broker has every batch; give the subscriber a moment to write them.
    let prev = -1;
    for (let i = 0; i < 40; i++) {
      await sleep(250);
      const n = readFileSync(subOut, 'utf8').length;
      if (n === prev) break;
      prev = n;
    }
    const byStream = {};
    for (const l of readFileSync(subOut, 'utf8').split('\n')) {
      // %l stops at the first NUL byte of a binary payload (mosquitto_sub 2.0), so count hex digits
      const [topic, hex = ''] = l.split(' ');
      if (!topic) continue;
      const len = hex.length / 2;
      const s = topic.split('/').pop();
      const o = (byStream[s] ??= { messages: 0, bytes: 0 });
      o.messages++;
      o.bytes += len;
    }
    const sum = replaySummary(r.stderr);
    const dnsEvents = sum.events.dns ?? 0;
    const allEvents = Object.values(sum.events).reduce((a, b) => a + b, 0);
    return {
      lines: N, summary: sum.line, events: sum.events, ms: r.ms, cpuSec: r.cpuSec, peakRssKb: r.peakRssKb,
      eventsPerSec: Math.round(allEvents / (r.ms / 1000)), dnsEventsPerSec: Math.round(dnsEvents / (r.ms / 1000)),
      linesPerSec: Math.round(N / (r.ms / 1000)), byStream,
      wireBytesPerDnsEvent: byStream.dns ? +(byStream.dns.bytes / dnsEvents).toFixed(1) : null,
      eventsPerDnsBatch: byStream.dns ? +(dnsEvents / byStream.dns.messages).toFixed(1) : null,
    };
  } finally {
    sub?.kill('SIGTERM');
    broker.kill('SIGTERM');
    await sleep(200);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (phase === 'time') {
  const size = JSON.parse(readFileSync(join(ROOT, 'dist/size.json'), 'utf8'));
  // codec-bytes: first table is the default mode; columns batch, maps, string table, cbor-x, netledger
  const cb = node(['--import', 'tsx', 'scripts/bench/codec-bytes.mjs']);
  const codecBytes = {};
  let table = 0;
  for (const l of cb.split('\n')) {
    if (l.startsWith('corpus:')) table++;
    const m = /^\s*(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*$/.exec(l);
    if (m) codecBytes[`${table === 1 ? '' : 'extra:'}${m[1]}`] = { cborMaps: +m[2], stringTable: +m[3], cborxPack: +m[4], netledger: +m[5] };
  }
  const ndjson = /NDJSON ([\d.]+) B\/event/.exec(cb)?.[1];
  const thr = JSON.parse(node(['scripts/bench/mqtt-throughput.mjs']).trim().split('\n').pop());
  const e2e = await endToEnd();
  const res = { bundle: size, codecBytes, ndjsonBytesPerEvent: Number(ndjson), mqttThroughput: thr, endToEnd: e2e };
  writeJson('transport-time.json', res);
  console.log(`transport time: bundle ${JSON.stringify(size)}, v1@500 ${codecBytes['500']?.netledger} B/event, nc ${thr.eventsPerSec} events/s, e2e ${e2e.eventsPerSec} events/s ${e2e.wireBytesPerDnsEvent} B/dns event`);
} else if (phase === 'instr') {
  const out = node(['scripts/bench/codec-instr.mjs', '5000', '500']);
  const res = {
    events: 5000, batch: 500,
    encodePerEvent: Number(/encode: (\d+)/.exec(out)?.[1]), decodePerEvent: Number(/decode: (\d+)/.exec(out)?.[1]),
  };
  writeJson('transport-instr.json', res);
  console.log(`transport instr: encode ${res.encodePerEvent}/event, decode ${res.decodePerEvent}/event`);
} else throw new Error('usage: bench-transport.mjs time|instr');
