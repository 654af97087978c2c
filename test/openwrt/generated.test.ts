// The files that mirror the schema are exactly what test/openwrt/render.ts makes of it today.
// On failure: npx tsx test/openwrt/render.ts --write, and review the diff.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  CONFIG_FILE, VIEW_FILE, DOC_FILE, renderDefaultConfig, withLuciSettings, withConfigReference,
} from './render';

const HINT = 'out of date with src/config/schema.ts: run `npx tsx test/openwrt/render.ts --write`';

test('openwrt/files/etc/config/netledger is rendered from the schema', () => {
  assert.equal(readFileSync(CONFIG_FILE, 'utf8'), renderDefaultConfig(), HINT);
});

test("the LuCI view's settings table is rendered from the schema", () => {
  const view = readFileSync(VIEW_FILE, 'utf8');
  assert.equal(view, withLuciSettings(view), HINT);
});

test("docs/config.md's option reference is rendered from the schema", () => {
  const doc = readFileSync(DOC_FILE, 'utf8');
  assert.equal(doc, withConfigReference(doc), HINT);
});
