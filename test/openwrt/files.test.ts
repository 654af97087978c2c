// The OpenWrt files agree with the config schema: the default /etc/config/netledger, the init
// script's defaults, the rpcd shim's `list`; and the shell scripts parse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT, QJS, BUNDLE } from '../support/engines';
import { SCHEMA, loadConfig, formatConfigError, optionSpec } from '../../src/config/schema';
import { optionHelp, optionDoc, sectionName } from '../../src/config/help';
import { parseUci } from '../../src/config/uci';
import { listMethods } from '../../src/ubus/rpcd-plugin';
import { netledgerMethods } from '../../src/cli/rpcd';
import type { Host } from '../../src/host/types';

const FILES = join(ROOT, 'openwrt/files');
const CONF = join(FILES, 'etc/config/netledger');
const INIT = join(FILES, 'etc/init.d/netledger');
const SHIM = join(FILES, 'usr/libexec/rpcd/netledger');
const ACL = join(FILES, 'usr/share/rpcd/acl.d/luci-app-netledger.json');

const allOptions = (): string[] =>
  Object.entries(SCHEMA).flatMap(([type, s]) => Object.keys(s.options).map((o) => `${type}.${o}`));

test('the default config loads with zero errors and every value is the default', () => {
  const text = readFileSync(CONF, 'utf8');
  const { config, errors } = loadConfig(text, CONF, { hostname: 'OpenWrt' });
  assert.deepEqual(errors.map(formatConfigError), []);
  const defaults = loadConfig('', 'defaults', { hostname: 'OpenWrt' }).config;
  assert.deepEqual(config, defaults);
});

test('every schema option appears in the default config (set or commented), with help above it', () => {
  const text = readFileSync(CONF, 'utf8');
  const lines = text.split('\n');
  const doc = parseUci(text, CONF);
  const seen = new Set<string>();
  let type = '';
  lines.forEach((line, i) => {
    const sec = /^config (\w+) '(\w+)'$/.exec(line);
    if (sec) {
      type = sec[1];
      assert.equal(sec[2], sectionName(type), `section name of ${type}`);
      return;
    }
    const opt = /^\t#?(option|list) (\w+) /.exec(line);
    if (!opt) return;
    const key = `${type}.${opt[2]}`;
    assert.ok(optionSpec(type, opt[2]), `${key} (line ${i + 1}) is in the schema`);
    assert.equal(opt[1] === 'list', optionDoc(type, opt[2])!.kind === 'list', `${key}: option vs list`);
    // the comment block above the first mention is the schema's help
    if (!seen.has(key)) {
      let j = i - 1;
      const comment: string[] = [];
      while (j >= 0 && lines[j].startsWith('\t# ')) comment.unshift(lines[j--].slice(3));
      const spec = optionSpec(type, opt[2])!;
      assert.equal(comment.join(' '), optionHelp(type, opt[2]) + (spec.restart ? ' [restart]' : ''), `${key}: help comment`);
    }
    seen.add(key);
  });
  assert.deepEqual([...seen].sort(), allOptions().sort(), 'options in the file = options in the schema');
  assert.deepEqual(doc.sections.map((s) => s.type), Object.keys(SCHEMA), 'sections in schema order');
});

test("the init script's config reads use the schema's option names and defaults", () => {
  const text = readFileSync(INIT, 'utf8');
  const reads = [...text.matchAll(/config_get(_bool)? (\w+) "\$cfg" (\w+) (\S+)/g)];
  assert.ok(reads.length >= 2, 'init script reads enabled and state_dir');
  assert.match(text, /config_foreach agent_section agent/);
  for (const [, isBool, , option, def] of reads) {
    const spec = optionSpec('agent', option);
    assert.ok(spec, `agent.${option} is in the schema`);
    assert.equal(optionDoc('agent', option)!.kind === 'bool', Boolean(isBool), `agent.${option}: config_get_bool iff bool`);
    assert.equal(def, spec!.show(spec!.default)[0], `agent.${option}: default`);
    // the local fallback before config_load must agree too
    assert.match(text, new RegExp(`local ${option === 'enabled' ? 'enabled=1' : `${option}=${def.replace(/\//g, '\\/')}`}`));
  }
  assert.match(text, /^USE_PROCD=1$/m);
  assert.match(text, /^START=\d+$/m);
  assert.ok(Number(/^START=(\d+)$/m.exec(text)![1]) > 19, 'starts after dnsmasq (START=19)');
  assert.match(text, /procd_set_param command "\$PROG" --strip-source -m "\$SCRIPT" run --config "\$CONFIG"/);
  assert.match(text, /^PROG=\/usr\/bin\/qjs$/m);
  assert.match(text, /^SCRIPT=\/usr\/share\/netledger\/netledger\.js$/m);
  assert.match(text, /^CONFIG=\/etc\/config\/netledger$/m);
  assert.match(text, /procd_set_param respawn/);
  assert.match(text, /procd_set_param stdout 1/);
  assert.match(text, /procd_set_param stderr 1/);
  assert.match(text, /procd_add_reload_trigger "netledger"/);
  assert.match(text, /^service_triggers\(\)/m);
});

test('shell scripts parse (sh -n) and are executable', () => {
  for (const f of [INIT, SHIM, join(ROOT, 'scripts/build-ipk.sh')]) {
    if (!existsSync(f)) continue;
    const r = spawnSync('sh', ['-n', f], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${f}: ${r.stderr}`);
    assert.ok((statSync(f).mode & 0o111) !== 0, `${f} is executable`);
  }
});

test("the rpcd shim's built-in list equals the agent's; calls reach the agent", (t) => {
  const shimList = JSON.parse(spawnSync('sh', [SHIM, 'list'], { encoding: 'utf8' }).stdout);
  assert.deepEqual(shimList, listMethods(netledgerMethods({} as Host, '/dev/null')));
  if (!existsSync(BUNDLE)) {
    t.skip('dist/netledger.js not built (node scripts/build.mjs)');
    return;
  }
  const env = { ...process.env, NETLEDGER_QJS: QJS, NETLEDGER_JS: BUNDLE };
  const r = spawnSync('sh', [SHIM, 'call', 'config_check', '--config', CONF], { encoding: 'utf8', input: '{}', env });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { file: CONF, ok: true, errors: [] });
  const bad = spawnSync('sh', [SHIM, 'call', 'status'], { encoding: 'utf8', input: '{"x":1}', env });
  assert.deepEqual(JSON.parse(bad.stdout), { error: "unknown argument 'x'" });
});

test('the ACL grants exactly the view: status and config_check over ubus, uci netledger', () => {
  const acl = JSON.parse(readFileSync(ACL, 'utf8'));
  assert.deepEqual(Object.keys(acl), ['luci-app-netledger']);
  const a = acl['luci-app-netledger'];
  assert.deepEqual(a.read, { ubus: { netledger: ['status', 'config_check'] }, uci: ['netledger'] });
  assert.deepEqual(a.write, { uci: ['netledger'] });
  assert.deepEqual(Object.keys(listMethods(netledgerMethods({} as Host, '/dev/null'))).sort(), [...a.read.ubus.netledger].sort());
});
