// `netledger replay` end to end: the real bundle under qjs (and the Node bundle) on the real
// lab captures, checked event by event; then the same replay shipped through a real Mosquitto
// and decoded back to the identical NDJSON.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { runQjs, runQjsAsync, runNode, fixturePath } from '../support/engines';
import { startMosquitto } from '../support/mosquitto';

const FX = (n: string): string => fixturePath(`lab-basic/${n}`);
const ARGS = [
  'replay', '--dnsmasq', FX('dnsmasq-extra.log'), '--conntrack', FX('conntrack-events.txt'),
  '--leases', FX('dhcp.leases'), '--proc-snapshot', FX('nf_conntrack.snapshot'), '--sensor', 'lab', '--year', '2026',
];

type Ev = Record<string, unknown> & { type: string };
const parse = (out: string): Ev[] => out.trim().split('\n').map((l) => JSON.parse(l) as Ev);

test('replay under qjs: dns events, flows joined to names, time order, summary', () => {
  const r = runQjs(ARGS);
  assert.equal(r.code, 0, r.stderr);
  const evs = parse(r.stdout);
  const dns = evs.filter((e) => e.type === 'dns');
  const flows = evs.filter((e) => e.type === 'flow');
  assert.equal(dns.length, 17);
  assert.deepEqual(dns.map((e) => e.id), Array.from({ length: 17 }, (_, i) => i + 1), 'dns in query order');
  const img = dns.find((e) => e.qname === 'img.shop.test')!;
  assert.deepEqual(img.answers, [
    { name: 'img.shop.test', type: 'CNAME', data: 'cdn.shop.test' },
    { name: 'cdn.shop.test', type: 'CNAME', data: 'www.shop.test' },
    { name: 'www.shop.test', type: 'A', data: '198.51.100.80' },
  ]);
  assert.equal(img.mac, '02:00:5e:10:00:0a');
  assert.equal(img.hostname, 'laptop-anna');
  const blocked = dns.filter((e) => e.blocked === true).map((e) => `${e.qname}/${e.qtype}`);
  assert.deepEqual(blocked, ['tracker.ads.test/A', 'tracker.ads.test/AAAA', 'nothere.lan/A']);
  assert.equal(dns.find((e) => e.qname === 'router.lan')!.source, 'hosts');

  // The HTTP and HTTPS connections follow the www.shop.test answer: named, from the LAN.
  const web = flows.filter((e) => e.resp_h === '198.51.100.80');
  assert.equal(web.length, 3);
  for (const f of web) {
    assert.equal(f.name, 'www.shop.test');
    assert.equal(f.dir, 'lan');
    assert.equal(f.nat_h, '198.51.100.1');
  }
  const upload = web.find((f) => f.resp_p === 443)!;
  assert.equal(upload.orig_bytes, 20424, 'the 20 kB upload is counted');
  // The IPv6 connection: the same laptop asked AAAA over IPv4, so the device-level join names it.
  const v6 = flows.find((e) => e.resp_h === '2001:db8:2::80')!;
  assert.equal(v6.name, 'www.shop.test');
  assert.equal(v6.final, true);
  // DNS to the router is local; dnsmasq's own forwarding is the router's.
  assert.ok(flows.filter((e) => e.resp_p === 53 && e.resp_h === '192.0.2.1').every((e) => e.dir === 'local'));
  assert.ok(flows.filter((e) => e.resp_h === '198.51.100.53').every((e) => e.dir === 'router'));
  assert.equal(evs.filter((e) => e.type === 'alert').length, 0, 'no bypass: every DNS flow went to the router');
  // Key order is the schema's: type first.
  assert.ok(r.stdout.split('\n').filter(Boolean).every((l) => l.startsWith('{"type":')));
  assert.match(r.stderr, /^replay: events dns=17 flow=40 pdns=8; read conntrack_lines=88 dnsmasq_lines=54 snapshot_lines=31;.* skipped none$/m);
});

test('replay: the Node bundle prints exactly what qjs prints', () => {
  const q = runQjs(ARGS);
  const n = runNode(ARGS);
  assert.equal(n.code, 0, n.stderr);
  assert.equal(n.stdout, q.stdout);
});

test('replay: a DNS client talking to an outside resolver raises one dns_bypass alert', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nl-bypass-'));
  try {
    const ct = join(dir, 'ct.txt');
    const line = (t: number, sport: number, kind: string): string =>
      `[${t}.000001]\t${kind} ipv4     2 udp      17 30 src=192.0.2.10 dst=203.0.113.53 sport=${sport} dport=53 src=203.0.113.53 dst=198.51.100.1 sport=53 dport=${sport} id=${sport}`;
    const text = [line(1795391140, 40001, '    [NEW]'), line(1795391141, 40001, '[DESTROY]'), line(1795391150, 40002, '    [NEW]'), line(1795391151, 40002, '[DESTROY]')].join('\n') + '\n';
    writeFileSync(ct, text);
    const r = runQjs(['replay', '--dnsmasq', FX('dnsmasq-extra.log'), '--conntrack', ct, '--sensor', 'lab', '--year', '2026']);
    assert.equal(r.code, 0, r.stderr);
    const alerts = parse(r.stdout).filter((e) => e.type === 'alert');
    assert.equal(alerts.length, 1, 'once per client and resolver per window');
    assert.equal(alerts[0].kind, 'dns_bypass');
    assert.equal(alerts[0].client, '192.0.2.10');
    assert.equal(alerts[0].indicator, '203.0.113.53#53');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('replay: unreadable input and bad flags are clear errors', () => {
  const missing = runQjs(['replay', '--dnsmasq', '/nonexistent/dnsmasq.log']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /nonexistent\/dnsmasq\.log/);
  const bad = runQjs(['replay', '--dnsmask', 'x']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown option --dnsmask/);
  const none = runQjs(['replay']);
  assert.equal(none.code, 2);
});

test('replay --mqtt ships through a real Mosquitto; decode gives back the same NDJSON', { timeout: 180_000 }, async () => {
  const broker = await startMosquitto({ persistence: false });
  const dir = mkdtempSync(join(tmpdir(), 'nl-ship-'));
  const sub = spawn('mosquitto_sub', ['-h', broker.host, '-p', String(broker.port), '-t', 'netledger/v1/lab/+', '-F', '%t %x']);
  try {
    let got = '';
    sub.stdout.on('data', (d) => (got += d));
    await new Promise((r) => setTimeout(r, 300));
    const r = await runQjsAsync([...ARGS.filter((a) => a !== '--proc-snapshot' && !a.endsWith('nf_conntrack.snapshot')),
      '--mqtt', `mqtt://${broker.host}:${broker.port}`, '--spool-dir', join(dir, 'spool')]);
    assert.equal(r.code, 0, r.stderr);
    await new Promise((res) => setTimeout(res, 500));
    const hex = got.split('\n').filter((l) => l && !l.includes('/status ')).map((l) => l.split(' ')[1]).join('\n') + '\n';
    const decoded = runQjs(['decode', '--hex'], { input: hex });
    assert.equal(decoded.code, 0, decoded.stderr);
    const direct = runQjs(ARGS.filter((a) => a !== '--proc-snapshot' && !a.endsWith('nf_conntrack.snapshot')));
    const sort = (s: string): string[] => s.trim().split('\n').sort();
    assert.deepEqual(sort(decoded.stdout), sort(direct.stdout));
    assert.match(got, /netledger\/v1\/lab\/status /, 'retained status was published');
    // A clean stop sends DISCONNECT before the helper goes, so the broker never fires the will.
    assert.match(broker.log(), /Client lab disconnected\./);
    // Without --spool-dir the run spools in a directory of its own, removed once all is acknowledged.
    const own = (): string[] => readdirSync('/tmp').filter((f) => f.startsWith('netledger-replay-'));
    const before = own();
    const again = await runQjsAsync([...ARGS.slice(0, 3), '--sensor', 'lab', '--year', '2026', '--mqtt', `mqtt://${broker.host}:${broker.port}`]);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(own().filter((f) => !before.includes(f)), [], 'no spool directory left behind');
  } finally {
    sub.kill();
    await broker.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('replay of a live capture: answer records are not overwritten by read-ahead (CNAME chains intact)', () => {
  const r = runQjs(['replay', '--dnsmasq', fixturePath('lab-live/dnsmasq-extra.log'), '--year', '2026']);
  assert.equal(r.code, 0, r.stderr);
  const img = parse(r.stdout).filter((e) => e.type === 'dns' && e.qname === 'img.shop.test');
  assert.ok(img.length >= 2);
  for (const e of img) {
    assert.deepEqual((e.answers as { name: string }[]).map((a) => a.name), ['img.shop.test', 'cdn.shop.test', 'www.shop.test']);
  }
});
