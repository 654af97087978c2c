// Differential check of src/config/uci.ts against OpenWrt's own libuci, when a `uci` binary is
// at hand (NETLEDGER_UCI_CLI=/path/to/uci; build one from openwrt/uci + libubox's blob.c and
// blobmsg.c, see docs/config.md). Random texts full of quotes, escapes, ';', '#' and line joins:
// whenever libuci accepts a file we must read the same sections, and whenever it rejects one
// we must report an error. Skipped (with the reason) when no binary is configured.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { parseUci, type UciDocument } from '../../src/config/uci';
import { seeded } from '../support/check';

const UCI = process.env.NETLEDGER_UCI_CLI ?? '';
const LOST = "';' right after";

function randomText(rnd: () => number): string {
  const pick = <T>(a: T[]): T => a[Math.floor(rnd() * a.length)];
  const words = ['a', 'b1', 'x_y', 'main', 'net-x', 'v'];
  const value = (): string => {
    let s = '';
    const n = 1 + Math.floor(rnd() * 3);
    for (let i = 0; i < n; i++) {
      s += pick([
        pick(words), `'${pick(words)} ${pick(['#', ';', '\\\\', '"', ''])}'`,
        `"${pick(words)}${pick(['\\"', '\\\\', '\\n', "'", '#', ''])}"`, `${pick(words)}\\ ${pick(words)}`,
        "'l1\nl2'", `${pick(words)}\\\n${pick(words)}`,
      ]);
    }
    return s;
  };
  const stmt = (): string => {
    const r = rnd();
    if (r < 0.2) return `config ${pick(['t', 'u', 'x-y'])}${rnd() < 0.6 ? ' ' + pick(["'main'", 'n2', "'b c'", 'main', '']) : ''}`;
    if (r < 0.6) return `${pick(['option', 'o', '\toption'])} ${pick([...words, "'a-b'"])} ${value()}${rnd() < 0.1 ? ' extra' : ''}`;
    if (r < 0.8) return `${pick(['list', 'l'])} ${pick(words)} ${value()}`;
    if (r < 0.85) return `# comment ${value()}`;
    if (r < 0.9) return '';
    if (r < 0.95) return pick(['bogus x', 'option', 'config', `option a b${pick([';', ' ;', '#c'])} option c d`]);
    return `option a ${pick(words)}; option b ${pick(words)}`;
  };
  const lines = ['config t'];
  const n = Math.floor(rnd() * 8);
  for (let j = 0; j < n; j++) lines.push(stmt());
  return lines.join('\n') + '\n';
}

const shape = (d: UciDocument): string =>
  JSON.stringify(d.sections.map((s) => [s.type, s.name_, s.options_.map((o) => [o.name_, o.kind_, o.values_])]));

test('parseUci agrees with libuci on 1000 random files', { skip: UCI && existsSync(UCI) ? false : 'set NETLEDGER_UCI_CLI to a uci binary to run' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'nl-uci-'));
  try {
    const rnd = seeded(2026);
    for (let i = 0; i < 1000; i++) {
      const text = randomText(rnd);
      writeFileSync(join(dir, 't'), text);
      const r = spawnSync(UCI, ['-c', dir, 'export', 't'], { encoding: 'utf8' });
      const ours = parseUci(text, 'f');
      const errs = ours.errors_.filter((e) => !e.message_.startsWith(LOST));
      if (r.status !== 0) {
        assert.ok(errs.length > 0, `libuci rejects (${r.stderr.trim()}) but we accept:\n${text}`);
        continue;
      }
      assert.deepEqual(errs, [], `libuci accepts but we reject:\n${text}`);
      assert.equal(shape(ours), shape(parseUci(r.stdout, 'export')), `different reading of:\n${text}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
