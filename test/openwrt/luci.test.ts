// The LuCI view: its generated settings table agrees with the schema, it parses, and it renders
// (form and status) against a stand-in of LuCI's classes without throwing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../support/engines';
import { SCHEMA, optionSpec } from '../../src/config/schema';
import { sectionHelp, optionHelp, optionDoc } from '../../src/config/help';

const VIEW = join(ROOT, 'openwrt/luci/htdocs/luci-static/resources/view/netledger/status.js');
const MENU = join(ROOT, 'openwrt/luci/root/usr/share/luci/menu.d/luci-app-netledger.json');
const text = readFileSync(VIEW, 'utf8');

type Row = [string, string, string, string, string, string | string[], Record<string, unknown>];

/** Evaluates only the generated block, with _() as identity. */
function generated(): { SECTIONS: [string, string, string][]; SETTINGS: Row[] } {
  const a = text.indexOf('// BEGIN SETTINGS');
  const b = text.indexOf('// END SETTINGS');
  assert.ok(a > 0 && b > a, 'markers present');
  return new Function('_', `${text.slice(a, b)}\nreturn { SECTIONS, SETTINGS };`)((s: string) => s);
}

test('the view parses as the function body LuCI loads it as', () => {
  assert.doesNotThrow(() => new Function(text));
  assert.match(text, /^'use strict';\n'require view';\n'require rpc';/);
});

test('the settings table mirrors the schema: every option, its help, default, choices and form', () => {
  const { SECTIONS, SETTINGS } = generated();
  assert.deepEqual(SECTIONS.map((s) => s[0]), Object.keys(SCHEMA));
  for (const [type, , help] of SECTIONS) assert.equal(help, sectionHelp(type));
  const seen: string[] = [];
  for (const [type, name, widget, title, help, def, extra] of SETTINGS) {
    const spec = optionSpec(type, name);
    assert.ok(spec, `${type}.${name} in schema`);
    seen.push(`${type}.${name}`);
    assert.ok(title.length > 0);
    assert.equal(help, optionHelp(type, name) + (spec!.restart ? ' [restart]' : ''), `${type}.${name} help`);
    const shown = spec!.show(spec!.default);
    const doc = optionDoc(type, name)!;
    assert.deepEqual(def, doc.kind === 'list' ? shown : shown[0], `${type}.${name} default`);
    const want = { bool: 'Flag', enum: 'ListValue', list: 'DynamicList' }[doc.kind as string] ?? 'Value';
    assert.equal(widget, want, `${type}.${name} widget`);
    if (doc.values) assert.deepEqual(extra.values, doc.values, `${type}.${name} choices`);
    assert.equal(extra.password === true, spec!.secret === true, `${type}.${name} password field`);
  }
  const all = Object.entries(SCHEMA).flatMap(([t, s]) => Object.keys(s.options).map((o) => `${t}.${o}`));
  assert.deepEqual(seen, all);
});

test('the view renders its form and every status shape with LuCI stand-ins', async () => {
  const made: { type: string; options: string[] }[] = [];
  const polls: (() => Promise<unknown>)[] = [];
  const E = (tag: unknown, attrs?: unknown, children?: unknown): unknown => ({ tag, attrs, children });
  const fmt = function (this: string, ...args: unknown[]): string { return `${this}|${args.join(',')}`; };
  (String.prototype as unknown as { format: typeof fmt }).format = fmt;
  class Opt { value(): void {} }
  const form = {
    Flag: Opt, ListValue: Opt, DynamicList: Opt, Value: Opt, TypedSection: class {},
    Map: class {
      section(_cls: unknown, type: string) {
        const s = { type, options: [] as string[], option(_c: unknown, name: string) { s.options.push(name); return new Opt(); } };
        made.push(s);
        return s;
      }
      render() { return Promise.resolve(E('form')); }
    },
  };
  let status: unknown = {};
  const rpc = {
    declare: (d: { method: string }) => () =>
      Promise.resolve(d.method === 'status' ? status : { ok: false, errors: [{ text: 'f:1: x' }] }),
  };
  const L = { resolveDefault: (p: Promise<unknown>) => p };
  const view = { extend: (o: unknown) => o };
  const body = new Function('E', '_', 'L', 'view', 'rpc', 'poll', 'form', 'uci', 'dom', 'ui', text);
  const v = body(E, (s: string) => s, L, view, rpc, { add: (f: () => Promise<unknown>) => polls.push(f) }, form,
    { load: () => Promise.resolve() }, { content: () => {} }, {}) as { load(): Promise<unknown[]>; render(d: unknown[]): Promise<unknown> };
  const data = await v.load();
  await v.render(data);
  assert.deepEqual(made.map((s) => s.type), Object.keys(SCHEMA));
  assert.deepEqual(made.flatMap((s) => s.options.map((o) => `${s.type}.${o}`)),
    Object.entries(SCHEMA).flatMap(([t, s]) => Object.keys(s.options).map((o) => `${t}.${o}`)));
  assert.equal(polls.length, 1);
  const shapes: unknown[] = [
    {},
    { running: false, reason: 'no status file' },
    { running: false, error: 'bad file' },
    { running: true, alive: true, stale: false, age: 3, sensor: 'r', version: '0.1.0', pid: 1, started: 1, updated: 2, interval: 10,
      config_file: '/etc/config/netledger', restart_pending: ['mqtt.url'],
      sources: { dnsmasq: { state: 'running', lines: 1, restarts: 0 } }, streams: { dns: { enabled: true, events: 3 } },
      mqtt: { state: 'connected', inflight: 0, batches_sent: 1 }, spool: { enabled: true, bytes: 1, batches: 1, max_bytes: 2 },
      memory: { rss_kb: 1, budget_kb: 2 }, counters: { a: 1 }, dropped: { b: 2 } },
  ];
  for (const s of shapes) {
    status = s;
    await polls[0]();
  }
});

test('the menu entry needs the ACL and the netledger config', () => {
  const menu = JSON.parse(readFileSync(MENU, 'utf8'));
  const e = menu['admin/services/netledger'];
  assert.deepEqual(e.action, { type: 'view', path: 'netledger/status' });
  assert.deepEqual(e.depends, { acl: ['luci-app-netledger'], uci: { netledger: true } });
});
