import type { Cases } from '../support/cases';
import { eq, deepEq, ok, seeded } from '../support/check';
import { fakeHost } from './rpcd.fake-host';
import { invoke } from '../../src/cli/command';
import { rpcdCommand, netledgerMethods } from '../../src/cli/rpcd';
import { renderStatus, parseStatus, type AgentStatus } from '../../src/agent/status-file';

const NOW = 1795476000;

function sampleStatus(over: Partial<AgentStatus> = {}): AgentStatus {
  return {
    format: 1, sensor: 'lab-rtr', version: '0.1.0', pid: 1234, started: NOW - 3600, updated: NOW - 5, interval: 10,
    config_file: '/etc/config/netledger', config_hash: 'abc123', restart_pending: ['mqtt.url'],
    sources: {
      dnsmasq: { state: 'running', input: 'logread', lines: 5120, restarts: 0, last_line: NOW - 1 },
      conntrack: { state: 'restarting', input: 'events', lines: 800, restarts: 3, error: 'ENOBUFS' },
    },
    streams: { dns: { enabled: true, events: 2000, last: NOW - 1 }, flow: { enabled: false, events: 0 } },
    mqtt: { state: 'connected', broker: 'mqtts://broker.example:8883', since: NOW - 600, inflight: 2, batches_sent: 90 },
    spool: { enabled: true, bytes: 4096, batches: 1, max_bytes: 4194304 },
    memory: { rss_kb: 6100, budget_kb: 16384 },
    counters: { dns_lines: 5120 }, dropped: { dnsmasq_bad_framing: 2 },
    ...over,
  };
}

const CONF = "config agent 'main'\n\toption state_dir '/run/nl'\n";

async function call(files: Record<string, string>, method: string, stdin = ''): Promise<{ reply: Record<string, unknown>; code: number }> {
  const h = fakeHost(files, { stdin, now: NOW });
  const code = await invoke(h, rpcdCommand, ['call', method, '--config', '/etc/config/netledger']);
  return { reply: JSON.parse(h.stdout) as Record<string, unknown>, code };
}

export const cases: Cases = {
  'renderStatus / parseStatus round-trip': () => {
    const s = sampleStatus();
    const r = parseStatus(renderStatus(s));
    deepEq(r, { status: s });
    ok(renderStatus(s).endsWith('}\n'), 'one line');
  },

  'parseStatus refuses what is not a status file and drops ill-typed fields': () => {
    eq('error' in parseStatus('{"format":1'), true, 'cut file');
    deepEq(parseStatus('[]'), { error: 'status file is not a JSON object' });
    deepEq(parseStatus('{"format":2}'), { error: 'status file format 2 is not 1' });
    deepEq(parseStatus('{"format":1,"sensor":"x"}'), { error: 'status file lacks sensor, version, pid, started, updated or interval' });
    const messy = { ...sampleStatus(), counters: { ok: 1, bad: 'x', neg: -1, inf: null }, sources: { a: { state: 'dancing' }, b: 5 },
      streams: { dns: { enabled: 'yes' } }, mqtt: { state: 'teleporting', inflight: -3 }, extra: 'ignored' };
    const r = parseStatus(JSON.stringify(messy));
    if ('error' in r) throw new Error(r.error);
    deepEq(r.status.counters, { ok: 1 });
    deepEq(r.status.sources, {});
    deepEq(r.status.streams, {});
    deepEq(r.status.mqtt, { state: 'disabled', inflight: 0, batches_sent: 0 });
    eq('extra' in r.status, false);
  },

  'parseStatus never throws on mangled files (seeded fuzz)': () => {
    const rnd = seeded(5);
    const base = renderStatus(sampleStatus());
    for (let i = 0; i < 300; i++) {
      const a = Math.floor(rnd() * base.length);
      const b = Math.min(base.length, a + Math.floor(rnd() * 20));
      const t = base.slice(0, a) + (rnd() < 0.5 ? '' : String.fromCharCode(32 + Math.floor(rnd() * 90))) + base.slice(b);
      const r = parseStatus(t);
      ok('error' in r || typeof r.status.sensor === 'string', 'a status or an error');
    }
  },

  'status: a fresh file of a live agent': async () => {
    const { reply, code } = await call({
      '/etc/config/netledger': CONF, '/run/nl/status.json': renderStatus(sampleStatus()), '/proc/1234/status': '',
    }, 'status');
    eq(code, 0);
    eq(reply.running, true);
    eq(reply.alive, true);
    eq(reply.stale, false);
    eq(reply.age, 5);
    eq(reply.sensor, 'lab-rtr');
    deepEq(reply.mqtt, sampleStatus().mqtt);
  },

  'status: stale file, dead pid, no file, corrupt file': async () => {
    const old = renderStatus(sampleStatus({ updated: NOW - 31 }));
    const r1 = (await call({ '/etc/config/netledger': CONF, '/run/nl/status.json': old, '/proc/1234/x': '' }, 'status')).reply;
    deepEq([r1.running, r1.alive, r1.stale, r1.age], [false, true, true, 31]);
    const r2 = (await call({ '/etc/config/netledger': CONF, '/run/nl/status.json': renderStatus(sampleStatus()) }, 'status')).reply;
    deepEq([r2.running, r2.alive, r2.stale], [false, false, false]);
    deepEq((await call({ '/etc/config/netledger': CONF }, 'status')).reply,
      { running: false, reason: 'no status file at /run/nl/status.json: the agent is not running or has not written it yet' });
    deepEq((await call({ '/etc/config/netledger': CONF, '/run/nl/status.json': '{"format":1' }, 'status')).reply.running, false);
    // without a readable config the default state_dir is used
    deepEq((await call({}, 'status')).reply.reason,
      'no status file at /var/run/netledger/status.json: the agent is not running or has not written it yet');
  },

  'config_check: ok, errors with lines and options, unreadable file': async () => {
    deepEq(await call({ '/etc/config/netledger': CONF }, 'config_check'), { reply: { file: '/etc/config/netledger', ok: true, errors: [] }, code: 0 });
    const bad = (await call({ '/etc/config/netledger': "config agent\n\toption log_level 'loud'\nconfig nope\n" }, 'config_check')).reply;
    deepEq(bad, {
      file: '/etc/config/netledger', ok: false, errors: [
        { line: 2, section: 'agent', option: 'log_level', message: "expected one of 'error', 'warn', 'info', 'debug', got 'loud'",
          text: "/etc/config/netledger:2: option 'log_level': expected one of 'error', 'warn', 'info', 'debug', got 'loud'" },
        { line: 3, section: 'nope', message: bad.errors && (bad.errors as { message: string }[])[1].message,
          text: `/etc/config/netledger:3: ${(bad.errors as { message: string }[])[1].message}` },
      ],
    });
    ok(((bad.errors as { message: string }[])[1].message).startsWith("unknown section type 'nope'"), 'unknown type');
    const missing = (await call({}, 'config_check')).reply;
    eq(missing.ok, false);
    eq((missing.errors as { message: string }[])[0].message,
      '/etc/config/netledger: cannot read: open /etc/config/netledger: No such file or directory');
  },

  'list, arguments on stdin, and errors as {error}': async () => {
    const h = fakeHost({});
    void invoke(h, rpcdCommand, ['list']);
    deepEq(JSON.parse(h.stdout), { status: {}, config_check: {} });
    deepEq(await call({ '/etc/config/netledger': CONF }, 'status', '{"verbose":true}\n'), { reply: { error: "unknown argument 'verbose'" }, code: 1 });
    deepEq((await call({ '/etc/config/netledger': CONF }, 'config_check', '{}\n')).reply.ok, true);
    deepEq(Object.keys(netledgerMethods(h, '/x')), ['status', 'config_check']);
  },
};
