// LeaseWatcher with the Node host: a real file rewritten in place, and odhcpd via the ubus stand-in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createNodeHost } from '../../src/host/node';
import { Counters } from '../../src/counters';
import { Devices } from '../../src/pipeline/devices';
import { LeaseWatcher } from '../../src/sources/lease-watch';
import { UbusClient } from '../../src/ubus/client';
import { fixturePath } from '../support/engines';
import { defaultConfig } from '../../src/config/schema';

const host = createNodeHost();
/** The devices section's defaults, which the agent passes (leases_file, lease_poll, ubus_interval). */
const dv = defaultConfig().devices;

test('the lease file is re-read only when it changes, and a vanished file fades out', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nl-leases-'));
  try {
    const file = join(dir, 'dhcp.leases');
    writeFileSync(file, readFileSync(fixturePath('lab-basic/dhcp.leases')));
    const counters = new Counters();
    let now = 1795400000;
    const devices = new Devices({ counters, now: () => now });
    const w = new LeaseWatcher({ ...dv, host_: host, devices_: devices, counters_: counters, leases_file: file, ubus_: null });
    assert.equal(w.checkFile_(), true);
    assert.equal(devices.lookup('192.0.2.10')?.hostname, 'laptop-anna');
    assert.equal(w.checkFile_(), false, 'unchanged: no re-read');
    writeFileSync(file, '0 02:00:5e:10:00:0a 192.0.2.10 anna-renamed *\nbroken line\n');
    assert.equal(w.checkFile_(), true);
    assert.equal(devices.lookup('192.0.2.10')?.hostname, 'anna-renamed');
    assert.equal(counters.dropped('leases_bad_line'), 1);
    unlinkSync(file);
    assert.equal(w.checkFile_(), true);
    assert.equal(devices.lookup('192.0.2.10')?.hostname, 'anna-renamed', 'still within grace');
    now += 10801;
    assert.equal(devices.lookup('192.0.2.10'), undefined);
    assert.equal(counters.get('leasefile_reads'), 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

async function until(cond: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}

test('start() reads the file at once, polls it, asks odhcpd, and stop() ends it all', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nl-leases-'));
  try {
    const file = join(dir, 'dhcp.leases');
    writeFileSync(file, readFileSync(fixturePath('lab-basic/dhcp.leases')));
    const counters = new Counters();
    // the fixture's leases are dated late 2026: judge them at a time they were live
    const devices = new Devices({ counters, now: () => 1795400000 });
    const ubus = new UbusClient({ host_: host, bin_: fixturePath('bin/ubus') });
    const w = new LeaseWatcher({ host_: host, devices_: devices, counters_: counters, leases_file: file, ubus_: ubus, lease_poll: 0.05, ubus_interval: 0.1 });
    w.start_();
    try {
      assert.equal(devices.lookup('192.0.2.99')?.hostname, 'printer-office');
      // Wait for conditions, not fixed times: a loaded machine spawns the stand-in slowly.
      await until(() => counters.get('odhcpd_polls') >= 2);
      assert.equal(devices.lookup('2001:db8:1::1010')?.hostname, 'laptop-anna', 'odhcpd lease');
      assert.equal(devices.lookup('2001:db8:1::1010')?.mac, '02:00:5e:10:00:0a', 'MAC confirmed by the v4 lease');
      assert.ok(counters.get('odhcpd_polls') >= 2, `polls: ${counters.get('odhcpd_polls')}`);
      writeFileSync(file, '0 02:00:5e:10:00:77 192.0.2.77 newbie *\n');
      await until(() => devices.lookup('192.0.2.77') !== undefined);
      assert.equal(devices.lookup('192.0.2.77')?.hostname, 'newbie');
      w.stop_();
      const polls = counters.get('odhcpd_polls');
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(counters.get('odhcpd_polls'), polls, 'no polls after stop');
    } finally {
      w.stop_();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a failing odhcpd poll is counted and keeps the previous leases', async () => {
  const counters = new Counters();
  const devices = new Devices({ counters, now: () => host.now() });
  const w = new LeaseWatcher({ ...dv, host_: host, devices_: devices, counters_: counters, leases_file: '', ubus_: new UbusClient({ host_: host, bin_: fixturePath('bin/ubus') }) });
  assert.equal(await w.pollOdhcpd_(), true);
  process.env.UBUS_STANDIN_MODE = 'fail';
  try {
    assert.equal(await w.pollOdhcpd_(), false);
  } finally {
    delete process.env.UBUS_STANDIN_MODE;
  }
  assert.equal(counters.dropped('odhcpd_poll_failed'), 1);
  assert.match(counters.sample('odhcpd_poll_failed') ?? '', /Command failed: Not found/);
  assert.equal(devices.lookup('2001:db8:1::63')?.hostname, 'printer-office');
});
