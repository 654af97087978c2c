// The property-mangling convention of the qjs bundle, shared by scripts/build.mjs and whatever
// else bundles for qjs the same way (test bundles, benches).
// A property name ending in ONE underscore (`state_`, not `__proto__` nor `x__`) is internal: a
// TypeScript `private` member or a key of a module-internal object. esbuild gives such names short
// names in the qjs bundle. Never give the suffix to a name that reaches JSON (events, status.json,
// ubus replies, config keys), to the Host interface or std/os methods, or to anything read from
// outside the bundle. Quoted names ('x_', obj['x_']) are NOT mangled: spell internal names unquoted.
//
// A few interfaces that every module calls keep their names in the source (the Host, whose
// methods node.ts implements too, a child process's callbacks, Counters): their method names are
// listed here instead, mangled by name in the qjs bundle. Each is internal everywhere it occurs:
// no JSON key, config key or ubus/MQTT field has it, no std/os or builtin method is called by it,
// and the source never quotes it (test/build/bundle-size.test.ts checks the bundle for quoted
// uses). Add a name only when all of that holds for every object that has it.
export const internalNames = [
  'writeStdout', 'writeStderr', 'monotonic', 'clearTimer', 'readText', 'readBytes', 'writeAtomic',
  'appendText', 'mkdirp', 'openLines', 'stdinLines', 'onSignal',
  'onLine', 'onData', 'onStderrLine', 'onExit', 'closeStdin',
  'inc', 'drop', 'cell', 'snapshot',
  // camelCase members of the records, options and pipeline stages (JSON, config and ubus names
  // are snake_case)
  'sawDnsClient', 'sawUpstream',
  'routerAddrs', 'messageId', 'lanPrefixes', 'clientPort', 'deltaTime', 'replyBytes', 'origBytes',
  'windowSec', 'cnameAt', 'icmpType', 'protoNum', 'learnNet', 'lastStderr', 'maxIndicators',
  'replyPkts', 'origPkts', 'maxBytes', 'maxPerClient', 'icmpCode', 'thresholdKb',
  'maxOpen', 'maxEvents', 'maxAgeSec', 'timeoutSec', 'lastReport', 'interimSec', 'maxDevices',
  'maxRecords', 'lineFrom', 'clientId', 'learnAnswers', 'hwOffload', 'warmupSec', 'readPrepare',
  'dnsFastLine', 'bufferBytes', 'emitTransaction', 'endSlot', 'lastTs', 'lastName', 'icmpId',
  'maxFlows', 'indexTuple', 'dnatHost', 'graceSec', 'maxTotal', 'emitLine', 'setRouterAddrs',
  'protoName', 'readBegin', 'readAbort', 'readEntry', 'readSweep', 'endCounts', 'holdsFlow',
  'dnsRecord', 'pollMinMs', 'lookupDevice', 'backoffMinMs', 'runAlone', 'capBytes', 'ctRecord',
  'onRecord', 'pollMs', 'sliceLines', 'ttlSec', 'batchLines', 'maxLine', 'hostsFile', 'readEnded',
  'setCounts', 'findTuple', 'checkFlow', 'openCount', 'pollMaxMs', 'minMs', 'findId', 'flowSlot',
  'streamOf', 'firstSeq', 'bufferMaxBytes', 'setMark', 'sawFlow', 'onBatch', 'backoffMaxMs',
  'conntrackBin', 'mtimeMs', 'prevMs', 'bindId', 'onFlow', 'peekTs', 'perFlowMs', 'onNew', 'maxMs',
  'procPath', 'netModel',
  // one-word members of the same (not an event, status, config, CLI option, wire header or parsed
  // input key: those are listed in src/events.ts, agent/status-file.ts, config/schema.ts...)
  'store', 'strings', 'unreplied', 'counts', 'family', 'expires', 'emit', 'rsport', 'offload',
  'dport', 'listed', 'rdport', 'sport', 'refs', 'release', 'model', 'tick', 'lookup', 'rtype', 'rdst',
  'partial', 'annotate', 'pool', 'sink', 'head', 'idless', 'active', 'scheme', 'kinds', 'rsrc',
  'serial', 'answered', 'start', 'timeout', 'retain', 'topic', 'payload', 'connected', 'origin',
  'sections', 'path', 'enobufs', 'options',
];
export const mangleProps = new RegExp(`[^_]_$|^(?:${internalNames.join('|')})$`);
export const mangleOptions = { mangleProps, mangleQuoted: false };

// Rewrites after esbuild (postMinify), on the parsed bundle, none of which esbuild does itself:
// - `this` aliasing: in a function that reads `this` at least 4 times (12 in the per-line
//   modules below), `var T=this;` starts the body and every `this` of the body becomes `T` (any
//   one-letter name the function's text does not contain): each `this.` is 3 bytes shorter.
//   Same semantics: a call's `this` never changes, arrows see the same `this`, nested functions
//   and classes keep their own (not rewritten), default parameters are evaluated before the body
//   (not rewritten), and derived-class constructors are left alone (`this` before super()
//   throws). qjs reads a `var` local as it reads `this`; the extra cost is the assignment per
//   call, which is why the per-line modules need 12 uses: with that threshold the DNS and
//   conntrack replay benches measure no change (with 4 everywhere, +56 and +308 instr/line for
//   1.1 kB more).
// - constants: outside the per-line modules' functions and classes, a string literal that
//   repeats (where a name is shorter in total) and `void 0` become module-level variables with
//   two-character names no code uses, declared right after the leading imports, before any other
//   statement runs. A variable read costs more than a literal in qjs, hence not per line.
/** Modules whose functions run per log line or per flow event (matched against source-map paths). */
export const perLineModules =
  /src\/(sources\/(dnsmasq|conntrack)\/|sources\/line-input|pipeline\/(transactions|dns-|flows|join|pdns|direction|devices|cidr|ioc|bypass)|codec\/(ndjson|column-builder|batch|cbor|strtable|wire|columns)|host\/(lines|line-reader|utf8|follow|timers|quickjs)|agent\/(pipeline|ndjson-sink|flow-order|net-learn|record-cursor|time-merge|file-output)|counters)/;

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const ALIASES = 'TQZYXWVUKJGHFEDCBAqzyxwvukjgfdcbaponmlihtsre$_';

/** Source-map segments as absolute numbers: [line, col, src, srcLine, srcCol, name] (-1 when absent). */
export function decodeMappings(mappings) {
  const segs = [];
  let src = 0, srcLine = 0, srcCol = 0, name = 0;
  mappings.split(';').forEach((text, line) => {
    let col = 0;
    if (text === '') return;
    for (const seg of text.split(',')) {
      const v = [];
      let shift = 0, val = 0;
      for (const ch of seg) {
        const d = B64.indexOf(ch);
        val += (d & 31) << shift;
        if (d & 32) shift += 5;
        else { v.push(val & 1 ? -(val >>> 1) : val >>> 1); val = 0; shift = 0; }
      }
      col += v[0];
      if (v.length > 1) { src += v[1]; srcLine += v[2]; srcCol += v[3]; }
      if (v.length > 4) name += v[4];
      segs.push([line, col, v.length > 1 ? src : -1, srcLine, srcCol, v.length > 4 ? name : -1]);
    }
  });
  return segs;
}

function vlq(n) {
  let v = n < 0 ? (-n << 1) | 1 : n << 1, out = '';
  do {
    let d = v & 31;
    v >>>= 5;
    if (v) d |= 32;
    out += B64[d];
  } while (v);
  return out;
}

function encodeMappings(segs) {
  const lines = [];
  let src = 0, srcLine = 0, srcCol = 0, name = 0;
  for (let i = 0, line = 0; i < segs.length; line++) {
    const parts = [];
    let col = 0;
    for (; i < segs.length && segs[i][0] === line; i++) {
      const s = segs[i];
      let t = vlq(s[1] - col);
      col = s[1];
      if (s[2] >= 0) {
        t += vlq(s[2] - src) + vlq(s[3] - srcLine) + vlq(s[4] - srcCol);
        src = s[2]; srcLine = s[3]; srcCol = s[4];
        if (s[5] >= 0) { t += vlq(s[5] - name); name = s[5]; }
      }
      parts.push(t);
    }
    lines.push(parts.join(','));
  }
  return lines.join(';');
}

/**
 * Rewrites `file` (a minified ES module) and its external source map `file.map` in place.
 * Returns what it rewrote and the bytes saved.
 */
export async function postMinify(file, { min = 4, perLineMin = 12 } = {}) {
  const { readFileSync, writeFileSync, mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { API } = await import('typescript/unstable/sync');
  const { SyntaxKind } = await import('typescript/unstable/ast');
  const is = await import('typescript/unstable/ast/is');
  const code = readFileSync(file, 'utf8');
  const map = JSON.parse(readFileSync(file + '.map', 'utf8'));
  const segs = decodeMappings(map.mappings);
  const lineStarts = [0];
  for (let i = 0; i < code.length; i++) if (code.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const offsets = segs.map((s) => lineStarts[s[0]] + s[1]);
  const sourceAt = (off) => {
    let lo = 0, hi = offsets.length - 1, r = -1;
    while (lo <= hi) {
      const m = (lo + hi) >> 1;
      if (offsets[m] <= off) { r = m; lo = m + 1; } else hi = m - 1;
    }
    return r >= 0 && segs[r][2] >= 0 ? map.sources[segs[r][2]] : '';
  };

  // The TypeScript 7 API parses through a project: a throwaway one holding the bundle.
  const dir = mkdtempSync(join(tmpdir(), 'netledger-min-'));
  const edits = []; // [start, end, text]
  let functions = 0;
  const strings = new Map(); // literal as written -> its offsets (cold places only)
  const voids = []; // offsets of `void 0` (cold places only)
  let afterImports = 0;
  let pastImports = false;
  try {
    writeFileSync(join(dir, 'b.js'), code);
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { allowJs: true, noEmit: true, noLib: true, types: [] }, files: ['b.js'] }));
    const api = new API({ cwd: dir });
    try {
      const project = api.updateSnapshot({ openProject: join(dir, 'tsconfig.json') }).getProjects()[0];
      const sf = project.program.getSourceFile(join(dir, 'b.js'));
      const ownThis = (n) => is.isMethodDeclaration(n) || is.isGetAccessorDeclaration(n) || is.isSetAccessorDeclaration(n) ||
        is.isFunctionDeclaration(n) || is.isFunctionExpression(n) || is.isConstructorDeclaration(n) ||
        is.isClassDeclaration(n) || is.isClassExpression(n);
      const collect = (node, out) => node.forEachChild((c) => {
        if (c.kind === SyntaxKind.ThisKeyword) out.push(c);
        else if (!ownThis(c)) collect(c, out);
      });
      const fnOrClass = (n) => ownThis(n) || is.isArrowFunction(n);
      const visit = (node, inBody) => {
        if (ownThis(node) && node.body && !is.isClassDeclaration(node) && !is.isClassExpression(node) &&
            !(is.isConstructorDeclaration(node) && node.parent.heritageClauses?.length)) {
          const uses = [];
          collect(node.body, uses);
          const body = node.body.getStart(sf);
          if (uses.length >= (perLineModules.test(sourceAt(body)) ? perLineMin : min)) {
            const ids = new Set(code.slice(node.getStart(sf), node.end).match(/[A-Za-z_$][\w$]*/g));
            const name = [...ALIASES].find((c) => !ids.has(c));
            if (name) {
              functions++;
              edits.push([body + 1, body + 1, `var ${name}=this;`]);
              for (const t of uses) edits.push([t.getStart(sf), t.end, name]);
            }
          }
        }
        const at = node.getStart(sf);
        const cold = !inBody || !perLineModules.test(sourceAt(at));
        if (cold && node.kind === SyntaxKind.StringLiteral) {
          const p = node.parent;
          // not a key, a module name or a directive: those must stay literals
          if (p.name !== node && p.propertyName !== node && p.moduleSpecifier !== node && !is.isExpressionStatement(p)) {
            const text = code.slice(at, node.end);
            (strings.get(text) ?? strings.set(text, []).get(text)).push(at);
          }
        } else if (cold && is.isVoidExpression(node) && code.slice(at, node.end) === 'void 0') {
          voids.push(at);
        }
        // the leading imports only: an import further down is hoisted, but a declaration placed
        // after it would run after the code before it (a harness bundle has such imports)
        if (node.parent === sf && !pastImports) {
          if (is.isImportDeclaration(node)) afterImports = node.end;
          else pastImports = true;
        }
        node.forEachChild((c) => visit(c, inBody || fnOrClass(node)));
      };
      visit(sf, false);
    } finally {
      api.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // Constants where a name is shorter in total: n uses of a literal of length L cost n*L; as a
  // variable, n*2 plus `,XY=literal` once.
  const used = new Set(code.match(/[A-Za-z_$][\w$]*/g));
  const first = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ$_';
  const names = (function* () {
    for (const a of first) for (const b of first + '0123456789') {
      const n = a + b;
      if (!used.has(n) && n !== 'do' && n !== 'if' && n !== 'in') yield n;
    }
  })();
  // A literal may touch a keyword (`case"x":`, `"x"in o`, `return void 0`): a name needs a space.
  const idChar = (i) => /[\w$]/.test(code[i] ?? '');
  const use = (a, len, name) => edits.push([a, a + len, (idChar(a - 1) ? ' ' : '') + name + (idChar(a + len) ? ' ' : '')]);
  const decls = [];
  for (const [text, at] of strings) {
    if (at.length * (text.length - 2) <= text.length + 4) continue;
    // an internal name as text (`'x_' in o`) stays in sight of test/build/bundle-size.test.ts
    if (mangleProps.test(text.slice(1, -1))) continue;
    const name = names.next().value;
    decls.push(`${name}=${text}`);
    for (const a of at) use(a, text.length, name);
  }
  if (voids.length > 1) {
    const name = names.next().value;
    decls.push(name);
    for (const a of voids) use(a, 6, name);
  }
  if (decls.length) edits.push([afterImports, afterImports, `var ${decls.join(',')};`]);

  // Apply in order (at one place, an insertion before a replacement), then move each mapping by
  // what changed before it on its line.
  edits.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const parts = [];
  let pos = 0;
  for (const [s, e, t] of edits) {
    parts.push(code.slice(pos, s), t);
    pos = e;
  }
  parts.push(code.slice(pos));
  const out = parts.join('');
  let k = 0, shift = 0, line = -1;
  for (let i = 0; i < segs.length; i++) {
    if (segs[i][0] !== line) { line = segs[i][0]; shift = 0; }
    const off = offsets[i];
    for (; k < edits.length && edits[k][1] <= off; k++) {
      const [s, e, t] = edits[k];
      if (s >= lineStarts[line]) shift += t.length - (e - s);
    }
    segs[i][1] += shift;
  }
  map.mappings = encodeMappings(segs);
  writeFileSync(file, out);
  writeFileSync(file + '.map', JSON.stringify(map));
  return { functions, strings: decls.length - (voids.length > 1 ? 1 : 0), voids: voids.length > 1 ? voids.length : 0, saved: code.length - out.length };
}
