// Keeps Devices fed: re-reads dnsmasq's lease file when it changes (a cheap stat per poll —
// dnsmasq rewrites the file in place on every lease change, so size/mtime/inode tell) and asks
// odhcpd for its DHCPv6 leases over ubus on a slower interval.
import type { Counters } from '../counters';
import type { Host, TimerHandle } from '../host/types';
import type { Devices } from '../pipeline/devices';
import type { UbusClient } from '../ubus/client';
import { parseLeases } from './leases';
import { parseIpv6Leases } from './odhcpd';
import { errorText } from '../compat/lang';
import type { NetledgerConfig } from '../config/schema';

/**
 * The devices config section as it is (the agent spreads it into the deps): leases_file ('' for
 * none), lease_poll, ubus_interval (seconds; after a failed odhcpd call the next one waits 10x
 * longer). ubus_leases is the agent's: it passes a client or null.
 */
export interface LeaseWatcherDeps extends Pick<NetledgerConfig['devices'], 'leases_file' | 'lease_poll' | 'ubus_interval'> {
  host_: Host;
  devices_: Devices;
  counters_: Counters;
  /** null: odhcpd is not asked */
  ubus_: UbusClient | null;
}

export interface LeaseWatcher {
  start_(): void;
  stop_(): void;
  /** Re-reads the lease file if its inode, size or mtime changed. Returns whether it did. */
  checkFile_(): boolean;
  /** One odhcpd poll; resolves whether it succeeded (never rejects). */
  pollOdhcpd_(): Promise<boolean>;
}

/**
 * `new LeaseWatcher(deps)`: a constructor function returning its object, whose state is closure
 * locals (short names in the bundle, where a class's members are `this.x` each time).
 */
export const LeaseWatcher = function (d: LeaseWatcherDeps): LeaseWatcher {
  const { host_: host, devices_: devices, counters_: counters, ubus_: ubus } = d;
  /** The lease file, or '' for none. */
  const file = d.leases_file;
  let fileTimer: TimerHandle | undefined;
  let odhcpdTimer: TimerHandle | undefined;
  let signature = '';
  let inFlight = false;
  let stopped = true;

  const checkFile = (): boolean => {
    if (!file) return false;
    try {
      const st = host.stat(file);
      const sig = st === null ? 'missing' : `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
      if (sig === signature) return false;
      signature = sig;
      // a vanished file means no current leases: entries fade out through the Devices grace
      devices.setLeases_('leasefile', st === null ? [] : parseLeases(host.readText(file), counters));
      counters.inc('leasefile_reads');
      return true;
    } catch (e) {
      signature = '';
      counters.drop('leasefile_unreadable', 1, `${file}: ${errorText(e)}`);
      return false;
    }
  };

  const pollOdhcpd = async (): Promise<boolean> => {
    if (!ubus || inFlight) return false;
    inFlight = true;
    try {
      const reply = await ubus.call_('dhcp', 'ipv6leases');
      devices.setLeases_('odhcpd', parseIpv6Leases(reply, counters, host.now()));
      counters.inc('odhcpd_polls');
      return true;
    } catch (e) {
      // leave what we had: a failed poll says nothing about the leases
      counters.drop('odhcpd_poll_failed', 1, errorText(e));
      return false;
    } finally {
      inFlight = false;
    }
  };

  const scheduleOdhcpd = (ms: number): void => {
    odhcpdTimer = host.setTimeout(() => {
      void pollOdhcpd().then((ok) => {
        // after a failed call the next one waits 10x longer
        if (!stopped) scheduleOdhcpd(d.ubus_interval * (ok ? 1000 : 10000));
      });
    }, ms);
  };

  return {
    start_() {
      stopped = false;
      if (file) {
        checkFile();
        fileTimer = host.setInterval(checkFile, d.lease_poll * 1000);
      }
      if (ubus) scheduleOdhcpd(0);
    },
    stop_() {
      stopped = true;
      for (const t of [fileTimer, odhcpdTimer]) if (t) host.clearTimer(t);
      fileTimer = odhcpdTimer = undefined;
    },
    checkFile_: checkFile,
    pollOdhcpd_: pollOdhcpd,
  };
} as unknown as new (deps: LeaseWatcherDeps) => LeaseWatcher;
