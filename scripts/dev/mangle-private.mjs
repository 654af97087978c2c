#!/usr/bin/env node
// Renames the private members of the classes in the given files to the internal-name convention
// of the qjs bundle (scripts/mangle-props.mjs): `private state` -> `private state_`, and
// `#state` -> `private state_` (a plain property costs less per access in qjs than a #field, and
// esbuild shortens both). Every reference in the project (src, test, scripts: tsconfig.json) is
// renamed with the compiler's find-all-references, so the tree still typechecks.
//
//   node scripts/dev/mangle-private.mjs [--dry-run] FILE...
//   node scripts/dev/mangle-private.mjs [--dry-run] --member Class.name,Class.*,Iface.name FILE...
//   --keep-out PATH,...   skip (with a warning) any member referenced in these files or folders
//   --optional            rename optional public members too (see "Skipped" below: the typecheck
//                         no longer catches a stale name in an object built elsewhere, so grep the
//                         old name in the files it lists and run their tests under qjs)
//
// --member also renames the listed public members (`Class.*`: every public member of the class;
// interfaces and type-literal aliases too), for internal classes and objects whose names never
// reach JSON, the Host interface or std/os: find-all-references follows them into interfaces the
// class implements and into object literals typed by the interface, so read the list of files it
// prints before committing.
//
// Skipped, with a warning: an optional public member (an object that lacks it typechecks with
// either name, so a stale name would go unnoticed), a member whose new name the class already
// has, a #field used in a brand check (`#x in o`), a member referenced through a string (`o['x']`,
// which mangleProps would not rename). Afterwards it lists `as any` / bracket uses of the old names
// that the compiler cannot see (tests poking at privates): check them by hand.
//
// What the compiler cannot follow, so typecheck AND run the tests afterwards:
//  - object literals not typed where they are written (`const e = { id, stream }` later passed as
//    a SpoolEntry): tsc reports the missing name; rename the literal's keys by hand;
//  - key names in `Omit<T, 'name'>`/`Pick<>` strings: tsc reports them too;
//  - code inside template strings (child programs written by tests): only the tests find those.
// The edits are written in place: run it on a clean tree (git diff shows exactly what it did), and
// keep other people's work-in-progress files out with --keep-out.
//
// A parameter property (`constructor(private deps: D)`) comes out as a declared field and an
// assignment (`private readonly deps_: D;` ... `this.deps_ = deps_;`), as do parameter properties
// that already have the suffix: esbuild 0.28 leaves a parameter property's field declaration
// unmangled (evanw/esbuild#4528): `deps_;` beside `this.a = deps`, which wastes bytes and, where
// class fields are lowered (es2020, as test/support/engines.ts bundles), resets `a` to undefined.
//
// TypeScript 7 has no JS LanguageService; this uses its API (typescript/unstable/sync), whose
// getReferencedSymbolsForNode is find-all-references.
import { API } from 'typescript/unstable/sync';
import { SyntaxKind } from 'typescript/unstable/ast';
import * as is from 'typescript/unstable/ast/is';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve, relative } from 'node:path';

const args = process.argv.slice(2);
const dryRun = args.includes('--dry-run');
const optional = args.includes('--optional');
const members = new Map(); // type name -> Set of member names ('*': all public)
const keepOut = []; // absolute paths (files or folders) that must not be edited
const rest = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--dry-run' || args[i] === '--optional') continue;
  if (args[i] === '--keep-out') {
    keepOut.push(...(args[++i] ?? '').split(',').filter(Boolean).map((x) => resolve(x)));
    continue;
  }
  if (args[i] === '--member') {
    for (const m of (args[++i] ?? '').split(',').filter(Boolean)) {
      const dot = m.indexOf('.');
      if (dot < 1) { console.error(`--member ${m}: expected Type.name`); process.exit(2); }
      const t = m.slice(0, dot);
      if (!members.has(t)) members.set(t, new Set());
      members.get(t).add(m.slice(dot + 1));
    }
    continue;
  }
  rest.push(args[i]);
}
const files = rest.map((f) => resolve(f));
if (!files.length) {
  console.error('usage: node scripts/dev/mangle-private.mjs [--dry-run] FILE...');
  process.exit(2);
}

const root = process.cwd();
const api = new API({ cwd: root });
const project = api.updateSnapshot({ openProject: 'tsconfig.json' }).getProjects()[0];
const checker = project.checker;
const rel = (p) => relative(root, p);

/** path -> Map("start:end" -> { start, end, text }) */
const edits = new Map();
const renamed = []; // { file, cls, from, to, refs }
const warnings = [];

function addEdit(path, start, end, text) {
  let m = edits.get(path);
  if (!m) edits.set(path, (m = new Map()));
  const key = `${start}:${end}`;
  const old = m.get(key);
  if (old && old.text !== text) throw new Error(`conflicting edits at ${rel(path)}:${start}`);
  m.set(key, { start, end, text });
}

function lineOf(sf, pos) {
  return sf.text.slice(0, pos).split('\n').length;
}

const hasPrivate = (node) => node.modifiers?.some((m) => m.kind === SyntaxKind.PrivateKeyword) ?? false;

const isPublic = (node) => !node.modifiers?.some((m) => m.kind === SyntaxKind.PrivateKeyword || m.kind === SyntaxKind.ProtectedKeyword);

function visitClass(sf, cls, memberList = cls.members) {
  const clsName = cls.name?.text ?? '(anonymous class)';
  const wanted = members.get(clsName);
  const names = new Set();
  const candidates = [];
  for (const m of memberList) {
    if (wanted && m.name && is.isIdentifier(m.name) && isPublic(m) && !is.isConstructorDeclaration(m) &&
        (wanted.has('*') || wanted.has(m.name.text))) {
      candidates.push({ member: m, name: m.name, param: false, pub: true });
    }
    if (m.name && (is.isIdentifier(m.name) || is.isPrivateIdentifier(m.name))) names.add(m.name.text);
    if (members.size && !wanted) continue; // --member: only the listed types
    if (is.isConstructorDeclaration(m)) {
      for (const p of m.parameters) {
        if (!is.isIdentifier(p.name) || !p.modifiers?.length) continue; // not a parameter property
        names.add(p.name.text);
        if (hasPrivate(p) && !wanted) candidates.push({ member: p, name: p.name, param: true });
        else if (wanted && isPublic(p) && (wanted.has('*') || wanted.has(p.name.text))) {
          candidates.push({ member: p, name: p.name, param: true, pub: true });
        }
      }
      continue;
    }
    if (!m.name) continue;
    if (wanted) continue;
    if (is.isPrivateIdentifier(m.name) || (is.isIdentifier(m.name) && hasPrivate(m))) candidates.push({ member: m, name: m.name, param: false });
  }
  for (const { member, name, param, pub } of candidates) {
    // An optional member can be missing from an object without the compiler noticing a stale name.
    if (pub && !optional && (member.questionToken ?? member.postfixToken)?.kind === SyntaxKind.QuestionToken) {
      warnings.push(`${rel(sf.fileName)}:${lineOf(sf, name.getStart(sf))}: ${clsName}.${name.text}: optional, skipped`);
      continue;
    }
    const hash = is.isPrivateIdentifier(name);
    const bare = hash ? name.text.slice(1) : name.text;
    if (!hash && /[^_]_$/.test(bare)) { // already internal
      if (param) unparam(sf, member, bare);
      continue;
    }
    if (bare.endsWith('__')) {
      warnings.push(`${rel(sf.fileName)}:${lineOf(sf, name.getStart(sf))}: ${clsName}.${name.text}: ends in "__", skipped`);
      continue;
    }
    const to = /[^_]_$/.test(bare) ? bare : bare + '_';
    if ((names.has(to) && to !== name.text) || (names.has('#' + to) && '#' + to !== name.text)) {
      warnings.push(`${rel(sf.fileName)}:${lineOf(sf, name.getStart(sf))}: ${clsName}.${name.text}: ${to} exists already, skipped`);
      continue;
    }
    const entries = checker.getReferencedSymbolsForNode(name, name.getStart(sf));
    const local = [];
    let skip = null;
    for (const e of entries) {
      for (const h of e.references) {
        const node = h.resolve();
        if (!node) { skip = `unresolved reference in ${rel(h.path)}`; break; }
        const rsf = node.getSourceFile();
        const start = node.getStart(rsf);
        const text = rsf.text.slice(start, node.end);
        if (node.kind === SyntaxKind.StringLiteral || node.kind === SyntaxKind.NoSubstitutionTemplateLiteral) {
          skip = `referenced as a string at ${rel(rsf.fileName)}:${lineOf(rsf, start)}`;
          break;
        }
        if (keepOut.some((k) => rsf.fileName === k || rsf.fileName.startsWith(k + '/'))) {
          skip = `referenced in ${rel(rsf.fileName)}:${lineOf(rsf, start)} (--keep-out)`;
          break;
        }
        if (text !== name.text && text !== bare) { skip = `unexpected reference text '${text}' at ${rel(rsf.fileName)}:${lineOf(rsf, start)}`; break; }
        const parent = node.parent;
        if (hash && parent && is.isBinaryExpression(parent) && parent.operatorToken.kind === SyntaxKind.InKeyword && parent.left === node) {
          skip = `brand check at ${rel(rsf.fileName)}:${lineOf(rsf, start)}`;
          break;
        }
        let repl = to;
        // `{ x }` = `{ x: x }`: keep the local's name, rename the property only.
        if (parent && is.isShorthandPropertyAssignment(parent)) repl = `${to}: ${text}`;
        else if (parent && is.isBindingElement(parent) && !parent.propertyName && parent.name === node) repl = `${to}: ${text}`;
        local.push([h.path, start, node.end, repl]);
      }
      if (skip) break;
    }
    if (skip) {
      warnings.push(`${rel(sf.fileName)}:${lineOf(sf, name.getStart(sf))}: ${clsName}.${name.text}: ${skip}, skipped`);
      continue;
    }
    for (const [p, s, e, t] of local) addEdit(p, s, e, t);
    // `#x` becomes a TypeScript private: the modifier goes before any other (`private static readonly`).
    if (hash && !param) addEdit(sf.fileName, member.getStart(sf), member.getStart(sf), 'private ');
    if (param) unparam(sf, member, to);
    renamed.push({ file: rel(sf.fileName), cls: clsName, from: name.text, to, refs: local.length });
  }
}

/**
 * A parameter property named `x_` becomes a field declared before the constructor plus
 * `this.x_ = x_;` in it: esbuild 0.28 leaves a parameter property's field declaration unmangled
 * (evanw/esbuild#4528), which costs bytes and, when class fields are lowered (an es2020 target),
 * resets the mangled property to undefined after the constructor set it.
 */
const ctorEdits = new Map(); // constructor node -> { sf, fields: string[], assigns: string[] }
function unparam(sf, param, to) {
  const ctor = param.parent;
  if (!ctor.body) return;
  const text = sf.text;
  const mods = text.slice(param.getStart(sf), param.name.getStart(sf)).trim();
  let type = param.type ? text.slice(param.type.getStart(sf), param.type.end) : null;
  if (type === null) {
    const t = checker.getTypeAtLocation(param.name);
    type = t ? checker.typeToString(checker.getBaseTypeOfLiteralType(t) ?? t) : 'unknown';
  }
  addEdit(sf.fileName, param.getStart(sf), param.name.getStart(sf), '');
  let e = ctorEdits.get(ctor);
  if (!e) ctorEdits.set(ctor, (e = { sf, fields: [], assigns: [] }));
  e.fields.push(`${mods} ${to}: ${type};`);
  e.assigns.push(`this.${to} = ${to};`);
}

function lineStart(text, pos) {
  return text.lastIndexOf('\n', pos - 1) + 1;
}

function flushCtorEdits() {
  for (const [ctor, { sf, fields, assigns }] of ctorEdits) {
    const text = sf.text;
    let at = lineStart(text, ctor.getStart(sf));
    const indent = text.slice(at, ctor.getStart(sf));
    // Above the constructor's doc comment, if it has one.
    const before = text.slice(0, at).trimEnd();
    if (before.endsWith('*/')) at = lineStart(text, before.lastIndexOf('/**'));
    addEdit(sf.fileName, at, at, fields.map((f) => `${indent}${f}\n`).join('') + '\n');
    const body = ctor.body;
    const lines = assigns.map((a) => `\n${indent}  ${a}`).join('');
    const first = body.statements[0];
    if (!first) {
      addEdit(sf.fileName, body.getStart(sf), body.end, `{${lines}\n${indent}}`);
    } else if (is.isExpressionStatement(first) && is.isCallExpression(first.expression) &&
               first.expression.expression.kind === SyntaxKind.SuperKeyword) {
      addEdit(sf.fileName, first.end, first.end, lines);
    } else {
      addEdit(sf.fileName, body.getStart(sf) + 1, body.getStart(sf) + 1, lines);
    }
  }
}

function walk(sf, node) {
  if (is.isClassDeclaration(node) || is.isClassExpression(node)) visitClass(sf, node);
  else if (members.size && is.isInterfaceDeclaration(node) && members.has(node.name.text)) visitClass(sf, node);
  else if (members.size && is.isTypeAliasDeclaration(node) && members.has(node.name.text) && is.isTypeLiteralNode(node.type)) {
    visitClass(sf, node, node.type.members);
  }
  node.forEachChild((c) => walk(sf, c));
}

for (const f of files) {
  const sf = project.program.getSourceFile(f);
  if (!sf) {
    console.error(`${rel(f)}: not in the project of tsconfig.json`);
    process.exitCode = 1;
    continue;
  }
  walk(sf, sf);
}
flushCtorEdits();
const projectFiles = project.program.getSourceFileNames();
api.close();

for (const [path, m] of edits) {
  let text = readFileSync(path, 'utf8');
  // Back to front; at one position the replacement before the insertion in front of it.
  const sorted = [...m.values()].sort((a, b) => b.start - a.start || b.end - a.end);
  for (const { start, end, text: t } of sorted) text = text.slice(0, start) + t + text.slice(end);
  if (!dryRun) writeFileSync(path, text);
}

for (const r of renamed) console.log(`${r.file}: ${r.cls}.${r.from} -> ${r.to} (${r.refs} refs)`);
for (const w of warnings) console.warn(`warning: ${w}`);

// Uses the compiler cannot resolve (tests reaching into privates).
const oldNames = [...new Set(renamed.map((r) => r.from.replace(/^#/, '')))];
if (oldNames.length) {
  const alt = oldNames.map((n) => n.replace(/[$]/g, '\\$')).join('|');
  // `(x as any).name`, `x['name']`, `x as unknown as { name: T }`.
  const re = new RegExp(`(?:as any\\)\\.(?:${alt})\\b|\\[['"](?:${alt})['"]\\]|as unknown as \\{[^}]*\\b(?:${alt})\\??:)`, 'g');
  for (const sf of projectFiles) {
    if (sf.includes('/node_modules/') || !sf.startsWith(root)) continue;
    let text;
    try { text = readFileSync(sf, 'utf8'); } catch { continue; }
    for (const m of text.matchAll(re)) {
      console.warn(`check by hand: ${rel(sf)}:${text.slice(0, m.index).split('\n').length}: ${m[0]}`);
    }
  }
}
console.log(`${renamed.length} members renamed in ${edits.size} files${dryRun ? ' (dry run: nothing written)' : ''}`);
