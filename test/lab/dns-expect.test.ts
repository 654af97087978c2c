// The lab test is only as honest as its checker: right events pass, each wrong field fails.
// Runs without root, on the live capture (its client ports are the scenario's).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../support/lab';
import { dnsScenario } from '../../scripts/lab/scenario';
import { checkDnsEvents, serialsByClientPort } from './dns-expect';
import type { DnsEvent } from '../../src/events';

const log = readFileSync(join(ROOT, 'test/fixtures/lab-live/dnsmasq-extra.log'), 'utf8');
const w = { from: 1000, to: 1010, sensor: 'lab' };

function rightEvents(): DnsEvent[] {
  const serials = serialsByClientPort(log);
  return dnsScenario.map((s) => {
    const x = s.expect;
    const ev: DnsEvent = {
      type: 'dns', ts: 1005, sensor: 'lab', client: x.client, client_port: x.client_port,
      qname: x.qname, qtype: x.qtype, answers: x.answers.map((a) => ({ ...a })),
      id: serials.get(`${x.client}/${x.client_port}`)!.serial,
    };
    if (x.source) ev.source = x.source;
    if (x.upstream) ev.upstream = x.upstream;
    if (x.rcode) ev.rcode = x.rcode;
    if (x.blocked) ev.blocked = true;
    if (!x.complete) ev.complete = false;
    return ev;
  });
}

test('the live capture has a query line for every scenario step', () => {
  const serials = serialsByClientPort(log);
  for (const s of dnsScenario) assert.ok(serials.has(`${s.expect.client}/${s.expect.client_port}`), s.label);
});

test('the expected events pass', () => {
  assert.deepEqual(checkDnsEvents(rightEvents(), dnsScenario, log, w), []);
});

const mutations: Array<[string, (evs: DnsEvent[]) => void]> = [
  ['qname', (e) => (e[1].qname = 'www.shop.test.')],
  ['qtype', (e) => (e[2].qtype = 'A')],
  ['client', (e) => (e[3].client = '192.0.2.11')],
  ['source cached vs forwarded', (e) => (e.find((x) => x.source === 'cached')!.source = 'forwarded')],
  ['rcode', (e) => (e.find((x) => x.rcode === 'SERVFAIL')!.rcode = 'NOERROR')],
  ['CNAME chain cut short', (e) => e.find((x) => x.answers.length === 3)!.answers.shift()],
  ['answers reordered', (e) => e.find((x) => x.answers.length === 3)!.answers.reverse()],
  ['MX data invented', (e) => (e.find((x) => x.qtype === 'MX')!.answers[0].data = 'mail.shop.test')],
  ['blocked missing', (e) => delete e.find((x) => x.blocked)!.blocked],
  ['blocked wrongly', (e) => (e[1].blocked = true)],
  ['complete wrongly', (e) => delete e.find((x) => x.complete === false)!.complete],
  ['upstream', (e) => (e.find((x) => x.upstream === '198.51.100.54')!.upstream = '198.51.100.53')],
  ['id', (e) => (e[4].id = 9999)],
  ['sensor', (e) => (e[0].sensor = 'other')],
  ['ts', (e) => (e[0].ts = 0)],
  ['event missing', (e) => e.pop()],
  ['event twice', (e) => e.push({ ...e[0] })],
  ['stray event', (e) => e.push({ ...e[0], client_port: 1 })],
];

for (const [name, mutate] of mutations) {
  test(`a wrong event fails the check: ${name}`, () => {
    const evs = rightEvents();
    mutate(evs);
    assert.ok(checkDnsEvents(evs, dnsScenario, log, w).length > 0, 'the checker accepted a wrong event');
  });
}
