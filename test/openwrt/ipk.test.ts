// scripts/build-ipk.sh: the .ipk files are what opkg reads (a gzip'd GNU tar of debian-binary,
// data.tar.gz, control.tar.gz, as OpenWrt's scripts/ipkg-build makes them), hold the right files
// with the right modes and owner 0:0, carry the right control fields, and are byte-reproducible.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { ROOT, BUNDLE } from '../support/engines';

interface Member { name: string; mode: number; uid: number; gid: number; mtime: number; type: string; data: Buffer }

/** A minimal tar reader (ustar/GNU headers) so the test checks the bytes, not a tool's view of them. */
function untar(buf: Buffer): Member[] {
  const out: Member[] = [];
  const oct = (b: Buffer) => parseInt(b.toString('latin1').replace(/\0.*$/s, '').trim() || '0', 8);
  for (let off = 0; off + 512 <= buf.length;) {
    const h = buf.subarray(off, off + 512);
    if (h.every((x) => x === 0)) break;
    const name = h.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
    const size = oct(h.subarray(124, 136));
    const type = String.fromCharCode(h[156] || 48);
    out.push({ name, mode: oct(h.subarray(100, 108)), uid: oct(h.subarray(108, 116)), gid: oct(h.subarray(116, 124)),
      mtime: oct(h.subarray(136, 148)), type, data: buf.subarray(off + 512, off + 512 + size) });
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

const EPOCH = 1700000000;
const VERSION = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string;
let out1 = '';
let out2 = '';
let skip: string | false = false;

before(() => {
  if (!existsSync(BUNDLE)) {
    const b = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, encoding: 'utf8' });
    if (b.status !== 0 || !existsSync(BUNDLE)) {
      skip = `dist/netledger.js cannot be built yet: ${b.stderr.slice(0, 300)}`;
      return;
    }
  }
  out1 = mkdtempSync(join(tmpdir(), 'nl-ipk-'));
  out2 = mkdtempSync(join(tmpdir(), 'nl-ipk-'));
  for (const out of [out1, out2]) {
    const r = spawnSync('sh', ['scripts/build-ipk.sh'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, OUT: out, SOURCE_DATE_EPOCH: String(EPOCH) } });
    assert.equal(r.status, 0, r.stderr);
  }
});

function open(dir: string, pkg: string): { outer: Member[]; data: Member[]; control: Member[]; raw: Buffer } {
  const raw = readFileSync(join(dir, `${pkg}_${VERSION}_all.ipk`));
  const outer = untar(gunzipSync(raw));
  const get = (n: string) => outer.find((m) => m.name === n)!.data;
  return { outer, raw, data: untar(gunzipSync(get('./data.tar.gz'))), control: untar(gunzipSync(get('./control.tar.gz'))) };
}

const fields = (control: Member[]): Record<string, string> => Object.fromEntries(
  control.find((m) => m.name === './control')!.data.toString('utf8').trim().split('\n').map((l) => {
    const i = l.indexOf(': ');
    return [l.slice(0, i), l.slice(i + 2)];
  }));

test('outer archive: gzip of debian-binary, data.tar.gz, control.tar.gz in that order', (t) => {
  if (skip) return t.skip(skip);
  const { outer, raw } = open(out1, 'netledger');
  assert.deepEqual([raw[0], raw[1]], [0x1f, 0x8b], 'gzip magic');
  assert.deepEqual(outer.map((m) => m.name), ['./debian-binary', './data.tar.gz', './control.tar.gz']);
  assert.equal(outer[0].data.toString(), '2.0\n');
  for (const m of outer) assert.deepEqual([m.uid, m.gid, m.mtime], [0, 0, EPOCH], m.name);
});

test('netledger data: the files at their OpenWrt paths with their modes, owner 0:0, fixed mtime', (t) => {
  if (skip) return t.skip(skip);
  const { data } = open(out1, 'netledger');
  const files = Object.fromEntries(data.filter((m) => m.type === '0').map((m) => [m.name, m.mode.toString(8)]));
  assert.deepEqual(files, {
    './etc/config/netledger': '600',
    './etc/init.d/netledger': '755',
    './usr/libexec/rpcd/netledger': '755',
    './usr/share/netledger/netledger.js': '644',
    './usr/share/rpcd/acl.d/luci-app-netledger.json': '644',
  });
  for (const m of data) {
    assert.deepEqual([m.uid, m.gid, m.mtime], [0, 0, EPOCH], m.name);
    if (m.type === '5') assert.equal(m.mode.toString(8), '755', m.name);
  }
  const names = data.map((m) => m.name);
  assert.deepEqual(names, [...names].sort(), 'sorted');
  assert.ok(data.find((m) => m.name === './usr/share/netledger/netledger.js')!.data.equals(readFileSync(BUNDLE)), 'the bundle');
  assert.ok(data.find((m) => m.name === './etc/config/netledger')!.data.equals(readFileSync(join(ROOT, 'openwrt/files/etc/config/netledger'))));
});

test('netledger control: fields, conffiles, maintainer scripts guarded by IPKG_INSTROOT', (t) => {
  if (skip) return t.skip(skip);
  const { control, data } = open(out1, 'netledger');
  assert.deepEqual(control.filter((m) => m.type === '0').map((m) => [m.name, m.mode.toString(8)]), [
    ['./conffiles', '644'], ['./control', '644'], ['./postinst', '755'], ['./postinst-pkg', '755'], ['./prerm', '755'],
  ]);
  const f = fields(control);
  assert.equal(f.Package, 'netledger');
  assert.equal(f.Version, VERSION);
  assert.equal(f.Depends, 'quickjs');
  assert.equal(f.Architecture, 'all');
  assert.equal(f.SourceDateEpoch, String(EPOCH));
  const dataTarSize = data.reduce((n, m) => n + 512 + Math.ceil(m.data.length / 512) * 512, 0);
  assert.ok(Number(f['Installed-Size']) >= dataTarSize, 'Installed-Size is the uncompressed data size (as ipkg-build)');
  const text = (n: string) => control.find((m) => m.name === n)!.data.toString();
  assert.equal(text('./conffiles'), '/etc/config/netledger\n');
  assert.match(text('./postinst'), /^#!\/bin\/sh\n\[ "\$\{IPKG_NO_SCRIPT\}" = "1" \] && exit 0\n/);
  assert.match(text('./postinst'), /default_postinst \$0 \$@/);
  assert.match(text('./prerm'), /default_prerm \$0 \$@/);
  assert.match(text('./postinst-pkg'), /^\[ -n "\$\{IPKG_INSTROOT\}" \] \|\| \{\n\t\/etc\/init\.d\/rpcd reload/);
  for (const s of ['./postinst', './prerm', './postinst-pkg']) {
    const r = spawnSync('sh', ['-n'], { input: text(s), encoding: 'utf8' });
    assert.equal(r.status, 0, `${s}: ${r.stderr}`);
  }
});

test('luci-app-netledger: the view and menu under /www and /usr/share/luci', (t) => {
  if (skip) return t.skip(skip);
  const { data, control } = open(out1, 'luci-app-netledger');
  assert.deepEqual(data.filter((m) => m.type === '0').map((m) => [m.name, m.mode.toString(8)]), [
    ['./usr/share/luci/menu.d/luci-app-netledger.json', '644'],
    ['./www/luci-static/resources/view/netledger/status.js', '644'],
  ]);
  const f = fields(control);
  assert.deepEqual([f.Package, f.Depends, f.Architecture], ['luci-app-netledger', 'netledger, luci-base', 'all']);
});

test('byte-reproducible: two builds with one SOURCE_DATE_EPOCH are identical', (t) => {
  if (skip) return t.skip(skip);
  for (const pkg of ['netledger', 'luci-app-netledger']) {
    const h = (d: string) => createHash('sha256').update(readFileSync(join(d, `${pkg}_${VERSION}_all.ipk`))).digest('hex');
    assert.equal(h(out1), h(out2), pkg);
  }
  rmSync(out1, { recursive: true, force: true });
  rmSync(out2, { recursive: true, force: true });
});
