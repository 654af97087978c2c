import type { Cases } from '../support/cases';
import { eq, ok } from '../support/check';
import { fakeHost } from './rpcd.fake-host';
import { invoke } from '../../src/cli/command';
import { checkConfigCommand } from '../../src/cli/check-config';
import { UsageError } from '../../src/cli/args';

const GOOD = `config agent 'main'
\toption sensor_id 'lab-rtr'
config mqtt 'mqtt'
\toption enabled '1'
\toption url 'mqtts://broker.example'
\toption password 'hunter2'
config health 'health'
\tlist watch 'dnsmasq'
\tlist watch 'odhcpd'
`;

const BAD = `config agent 'main'
\toption sensor_id 'lab/rtr'
\toption colour 'blue'
config conntrack 'flows'
\toption mode 'netlink'
config mqtt 'mqtt'
\toption enabled 'on'
`;

export const cases: Cases = {
  'a valid file: FILE: OK and the non-default settings, secrets masked': async () => {
    const h = fakeHost({ '/etc/config/netledger': GOOD, '/proc/sys/kernel/hostname': 'OpenWrt\n' });
    eq(await invoke(h, checkConfigCommand, ['/etc/config/netledger']), 0);
    eq(h.stdout, [
      '/etc/config/netledger: OK',
      '  agent.sensor_id = lab-rtr   (restart to apply)',
      '  health.watch = dnsmasq odhcpd',
      '  mqtt.enabled = 1   (restart to apply)',
      '  mqtt.url = mqtts://broker.example   (restart to apply)',
      '  mqtt.password = ***   (restart to apply)',
      '',
    ].join('\n'));
    eq(h.stderr, '');
    ok(!h.stdout.includes('hunter2'), 'password never printed');
  },

  'an empty sensor_id shows the hostname it will use': async () => {
    const h = fakeHost({ '/c': '', '/proc/sys/kernel/hostname': 'rtr-7\n' });
    eq(await invoke(h, checkConfigCommand, ['/c']), 0);
    eq(h.stdout, '/c: OK\n  agent.sensor_id = rtr-7   (from the hostname)\n');
  },

  'errors: one FILE:LINE line each, a count, exit 1': async () => {
    const h = fakeHost({ '/etc/config/netledger': BAD });
    eq(await invoke(h, checkConfigCommand, ['/etc/config/netledger']), 1);
    eq(h.stdout, '');
    eq(h.stderr, [
      `/etc/config/netledger:2: option 'sensor_id': sensor id "lab/rtr" has "/" at 3: use letters, digits and - _ . : only`,
      "/etc/config/netledger:3: option 'colour': unknown option in section 'agent'",
      "/etc/config/netledger:5: option 'mode': expected one of 'auto', 'events', 'proc', got 'netlink'",
      "/etc/config/netledger:6: option 'url': required when mqtt is enabled",
      '/etc/config/netledger: 4 errors',
      '',
    ].join('\n'));
  },

  'a missing file is a clear error, exit 1': async () => {
    const h = fakeHost({});
    eq(await invoke(h, checkConfigCommand, ['/etc/config/nope']), 1);
    eq(h.stderr, '/etc/config/nope: cannot read: open /etc/config/nope: No such file or directory\n');
  },

  '--quiet prints nothing on success; usage errors': async () => {
    const h = fakeHost({ '/c': GOOD });
    eq(await invoke(h, checkConfigCommand, ['--quiet', '/c']), 0);
    eq(h.stdout + h.stderr, '');
    for (const argv of [[], ['/a', '/b'], ['--bogus', '/c']]) {
      let threw = false;
      try {
        await invoke(fakeHost({ '/c': GOOD }), checkConfigCommand, argv);
      } catch (e) {
        threw = e instanceof UsageError;
      }
      ok(threw, `usage error for ${JSON.stringify(argv)}`);
    }
  },

  '--help prints the usage line and every option; inherited names are not options': async () => {
    const h = fakeHost({});
    eq(await invoke(h, checkConfigCommand, ['x', '--help']), 0);
    eq(h.stdout, 'usage: netledger check-config [--quiet] FILE\n\n' +
      '  --quiet                   print nothing when the file is valid\n  --help                    show this help\n');
    for (const argv of [['--constructor', '/c'], ['--toString=1', '/c'], ['--quiet=1', '/c'], ['/c', '--', '/d']]) {
      let msg = '';
      try {
        await invoke(fakeHost({ '/c': GOOD }), checkConfigCommand, argv);
      } catch (e) {
        if (e instanceof UsageError) msg = e.message;
      }
      ok(msg !== '', `usage error for ${JSON.stringify(argv)}`);
    }
  },
};
