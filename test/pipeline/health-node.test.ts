// HealthSampler through the real Node host: over the fixture /proc tree, and over this machine's /proc.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNodeHost } from '../../src/host/node';
import { Counters } from '../../src/counters';
import { HealthSampler } from '../../src/pipeline/health';
import { fixturePath } from '../support/engines';

const real = createNodeHost();

test('fixture /proc through the Node host', () => {
  const host = { ...real, pid: () => 100, now: () => 5 };
  const h = new HealthSampler({ host_: host, counters_: new Counters(), config_: { agent: { sensor_id: 't' }, health: { watch: ['dnsmasq'] } }, procRoot_: fixturePath('proc') }).sample_();
  assert.equal(h.agent_rss, 5120);
  assert.equal(h.children_rss, 2000);
  assert.deepEqual(h.watched, { dnsmasq: 2500 });
  assert.equal(h.procs, 8);
});

test('this machine: our own RSS, a process count and memory are found', () => {
  const h = new HealthSampler({ host_: real, counters_: new Counters(), config_: { agent: { sensor_id: 't' }, health: { watch: ['node'] } } }).sample_();
  assert.ok(h.mem_total! > 0 && h.mem_available! > 0 && h.mem_available! <= h.mem_total!);
  assert.ok(h.procs! >= 1);
  assert.ok(h.agent_rss! > 10000, `agent_rss ${h.agent_rss}`);
  assert.ok(h.watched!.node >= h.agent_rss!);
  assert.ok(typeof h.load1 === 'number');
});
