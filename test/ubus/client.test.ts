// UbusClient against the scripted stand-in test/fixtures/bin/ubus, through the real Node host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createNodeHost } from '../../src/host/node';
import { UbusClient, UbusError } from '../../src/ubus/client';
import { fixturePath } from '../support/engines';

const BIN = fixturePath('bin/ubus');
const host = createNodeHost();

async function withEnv<T>(env: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved: Record<string, string | undefined> = {};
  for (const k of Object.keys(env)) {
    saved[k] = process.env[k];
    process.env[k] = env[k];
  }
  try {
    return await fn();
  } finally {
    for (const k of Object.keys(env)) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  }
}

test('call dhcp ipv6leases returns the parsed reply; argv is -S -t call path method', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nl-ubus-'));
  try {
    const argsFile = join(dir, 'args');
    const reply = await withEnv({ UBUS_STANDIN_ARGS: argsFile }, () =>
      new UbusClient({ host_: host, bin_: BIN, timeoutMs_: 3000 }).call_('dhcp', 'ipv6leases'));
    assert.deepEqual(reply, JSON.parse(readFileSync(fixturePath('ubus/dhcp-ipv6leases.json'), 'utf8')));
    assert.deepEqual(readFileSync(argsFile, 'utf8').trim().split('\n'), ['-S', '-t', '3', 'call', 'dhcp', 'ipv6leases']);
    await withEnv({ UBUS_STANDIN_ARGS: argsFile }, () =>
      new UbusClient({ host_: host, bin_: BIN }).call_('dhcp', 'ipv6leases', { iface: 'br-lan "x"' }));
    assert.equal(readFileSync(argsFile, 'utf8').trim().split('\n').at(-1), '{"iface":"br-lan \\"x\\""}', 'args as one argv word, no shell');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unknown object or method fails with ubus\'s own words and status', async () => {
  const c = new UbusClient({ host_: host, bin_: BIN });
  await assert.rejects(c.call_('nosuch', 'thing'), (e: unknown) => {
    assert.ok(e instanceof UbusError);
    assert.equal(e.message, 'ubus call nosuch thing: Command failed: Not found');
    assert.equal(e.status, 4);
    return true;
  });
  await assert.rejects(c.call_('dhcp', 'ipv4leases'), /ubus call dhcp ipv4leases: Command failed: Method not found/);
  await withEnv({ UBUS_STANDIN_MODE: 'fail', UBUS_STANDIN_EXIT: '255' }, () =>
    assert.rejects(c.call_('dhcp', 'ipv6leases'), /cannot connect to ubusd/));
  await withEnv({ UBUS_STANDIN_MODE: 'fail', UBUS_STANDIN_EXIT: '6' }, () =>
    assert.rejects(c.call_('dhcp', 'ipv6leases'), /Command failed: Permission denied/));
});

test('a missing binary says so', async () => {
  await assert.rejects(new UbusClient({ host_: host, bin_: '/nonexistent/ubus' }).call_('dhcp', 'ipv6leases'),
    /ubus call dhcp ipv6leases: \/nonexistent\/ubus not found/);
});

test('bad JSON and empty replies', async () => {
  const c = new UbusClient({ host_: host, bin_: BIN });
  await withEnv({ UBUS_STANDIN_MODE: 'garbage' }, () => assert.rejects(c.call_('dhcp', 'ipv6leases'), /reply is not JSON: this is \{not json/));
  assert.equal(await withEnv({ UBUS_STANDIN_MODE: 'empty' }, () => c.call_('dhcp', 'ipv6leases')), null);
});

test('a hanging ubus is killed at the timeout', async () => {
  const c = new UbusClient({ host_: host, bin_: BIN, timeoutMs_: 300 });
  const t0 = Date.now();
  await withEnv({ UBUS_STANDIN_MODE: 'hang' }, () => assert.rejects(c.call_('dhcp', 'ipv6leases'), /no reply within 300 ms \(killed\)/));
  assert.ok(Date.now() - t0 < 5000, 'did not wait for the child to finish by itself');
});

test('a reply over maxReply is refused', async () => {
  await assert.rejects(new UbusClient({ host_: host, bin_: BIN, maxReply_: 100 }).call_('dhcp', 'ipv6leases'), /larger than 100 bytes/);
});
