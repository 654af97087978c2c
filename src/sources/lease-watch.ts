// Keeps Devices fed: re-reads dnsmasq's lease file when it changes (a cheap stat per poll —
// dnsmasq rewrites the file in place on every lease change, so size/mtime/inode tell) and asks
// odhcpd for its DHCPv6 leases over ubus on a slower interval.
import type { Counters } from '../counters';
import type { Host, TimerHandle } from '../host/types';
import type { Devices } from '../pipeline/devices';
import type { UbusClient } from '../ubus/client';
import { parseLeases } from './leases';
import { parseIpv6Leases } from './odhcpd';
import { WithDeps } from '../compat/lang';

export interface LeaseWatcherDeps {
  host_: Host;
  devices_: Devices;
  counters_: Counters;
  /** default '/tmp/dhcp.leases'; null to not watch a file */
  leaseFile_?: string | null;
  /** default 2000 */
  pollMs_?: number;
  /** absent or null: odhcpd is not asked */
  ubus_?: UbusClient | null;
  /** default 30000; after a failed call the next one waits 10x longer */
  odhcpdMs_?: number;
}

export class LeaseWatcher extends WithDeps<LeaseWatcherDeps> {
  private fileTimer_: TimerHandle | undefined;
  private odhcpdTimer_: TimerHandle | undefined;
  private signature_ = '';
  private inFlight_ = false;
  private stopped_ = true;

  /** The lease file, or null for none. */
  private file_(): string | null {
    const f = this.deps_.leaseFile_;
    return f === undefined ? '/tmp/dhcp.leases' : f;
  }

  start_(): void {
    const { host_: host } = this.deps_;
    this.stopped_ = false;
    if (this.file_() !== null) {
      this.checkFile_();
      this.fileTimer_ = host.setInterval(() => this.checkFile_(), this.deps_.pollMs_ ?? 2000);
    }
    if (this.deps_.ubus_) this.scheduleOdhcpd_(0);
  }

  stop_(): void {
    this.stopped_ = true;
    if (this.fileTimer_) this.deps_.host_.clearTimer(this.fileTimer_);
    if (this.odhcpdTimer_) this.deps_.host_.clearTimer(this.odhcpdTimer_);
    this.fileTimer_ = this.odhcpdTimer_ = undefined;
  }

  /** Re-reads the lease file if its inode, size or mtime changed. Returns whether it did. */
  checkFile_(): boolean {
    const { host_: host, counters_: counters, devices_: devices } = this.deps_;
    const file = this.file_();
    if (file === null) return false;
    try {
      const st = host.stat(file);
      const sig = st === null ? 'missing' : `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
      if (sig === this.signature_) return false;
      this.signature_ = sig;
      // a vanished file means no current leases: entries fade out through the Devices grace
      const leases = st === null ? [] : parseLeases(host.readText(file), counters);
      devices.setLeases_('leasefile', leases);
      counters.inc('leasefile_reads');
      return true;
    } catch (e) {
      this.signature_ = '';
      counters.drop('leasefile_unreadable', 1, `${file}: ${(e as Error).message}`);
      return false;
    }
  }

  /** One odhcpd poll; resolves whether it succeeded (never rejects). */
  async pollOdhcpd_(): Promise<boolean> {
    const { ubus_: ubus, counters_: counters, devices_: devices, host_: host } = this.deps_;
    if (!ubus || this.inFlight_) return false;
    this.inFlight_ = true;
    try {
      const reply = await ubus.call_('dhcp', 'ipv6leases');
      devices.setLeases_('odhcpd', parseIpv6Leases(reply, counters, host.now()));
      counters.inc('odhcpd_polls');
      return true;
    } catch (e) {
      // leave what we had: a failed poll says nothing about the leases
      counters.drop('odhcpd_poll_failed', 1, (e as Error).message);
      return false;
    } finally {
      this.inFlight_ = false;
    }
  }

  private scheduleOdhcpd_(ms: number): void {
    this.odhcpdTimer_ = this.deps_.host_.setTimeout(() => {
      void this.pollOdhcpd_().then((ok) => {
        if (this.stopped_) return;
        const every = this.deps_.odhcpdMs_ ?? 30000;
        this.scheduleOdhcpd_(ok ? every : every * 10);
      });
    }, ms);
  }
}
