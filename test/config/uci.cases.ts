import type { Cases } from '../support/cases';
import { eq, deepEq, ok, seeded } from '../support/check';
import { parseUci, quoteUci, formatUciError, uciOption, type UciDocument } from '../../src/config/uci';

/** sections as [type, name, line, {option: values (or 'list:' prefixed), ...}] for compact checks */
function shape(doc: UciDocument): unknown[] {
  return doc.sections.map((s) => [
    s.type, s.name_, s.line_,
    Object.fromEntries(s.options_.map((o) => [o.name_, o.kind_ === 'list' ? ['list', ...o.values_] : o.values_[0]])),
  ]);
}

function errorsOf(text: string): string[] {
  return parseUci(text, 'f').errors_.map(formatUciError);
}

const MALFORMED: [string, string, string[]][] = [
  ['unterminated single quote', "config agent 'main'\n\toption sensor_id 'abc\n\toption x 1\n", ["f:2: unterminated ' quote"]],
  ['unterminated double quote', 'config agent\n\toption a "x\\"\n', ['f:2: unterminated " quote']],
  ['option outside a section', "option enabled '1'\nconfig agent\n", ['f:1: option found before the first section']],
  ['list outside a section', "\n\nlist watch 'x'\n", ['f:3: list found before the first section']],
  ['invalid command', "config agent\n\topton enabled 1\n", ["f:2: invalid command 'opton'"]],
  ['too many arguments (option)', "config agent\n\toption a b c\n", ['f:2: too many arguments']],
  ['too many arguments (config)', 'config agent main extra\n', ['f:1: too many arguments']],
  ['config without a type', 'config\n', ['f:1: config without type']],
  ['option without a name', 'config a\n\toption\n', ['f:2: option without name']],
  ['bad option name', "config a\n\toption 'sensor-id' x\n", ["f:2: invalid option name 'sensor-id' (letters, digits and _ only)"]],
  ['bad section name', "config agent 'my main'\n", ["f:1: invalid section name 'my main' (letters, digits and _ only)"]],
  ['bad type', "config 'ag ent'\n", ["f:1: invalid character in section type 'ag ent'"]],
  ['a name redefined with another type', "config agent main\nconfig mqtt main\n",
    ["f:2: section 'main' of type 'mqtt' overwrites a 'agent' section of the same name (line 1)"]],
  ['bad package name', 'package net.ledger\n', ["f:1: invalid character in package name 'net.ledger'"]],
];

export const cases: Cases = {
  'a well-formed file: sections, options, lists and their lines': () => {
    const doc = parseUci(
      `# netledger\n\nconfig agent 'main'\n\toption enabled '1'\n\toption sensor_id "rtr-1"\n\nconfig health\n\tlist watch dnsmasq\n\tlist watch 'odhcpd'\n`,
      '/etc/config/netledger',
    );
    eq(doc.errors_.length, 0, 'no errors');
    deepEq(shape(doc), [
      ['agent', 'main', 3, { enabled: '1', sensor_id: 'rtr-1' }],
      ['health', null, 7, { watch: ['list', 'dnsmasq', 'odhcpd'] }],
    ]);
    eq(uciOption(doc.sections[0], 'sensor_id')?.line_, 5, 'option line');
    eq(uciOption(doc.sections[1], 'watch')?.line_, 9, 'a list points at its last item');
  },

  'quoting as libuci does: pieces glue, single quotes are literal, double quotes take \\x': () => {
    const doc = parseUci(
      `config t\n option a 'x'"y"z\n option b 'c:\\d'\n option c "say \\"hi\\" \\\\ ok"\n option d un\\ quoted\n option e "it's"\n option f 'it'\\''s'\n`,
      'f',
    );
    eq(doc.errors_.length, 0, JSON.stringify(doc.errors_));
    deepEq(shape(doc)[0], ['t', null, 1, { a: 'xyz', b: 'c:\\d', c: 'say "hi" \\ ok', d: 'un quoted', e: "it's", f: "it's" }]);
  },

  'comments: whole lines and an unquoted # end the statement': () => {
    const doc = parseUci(`  # leading\nconfig t # trailing\n option a b#c\n option d 'e#f' # note\n\t#option g h\n`, 'f');
    eq(doc.errors_.length, 0, JSON.stringify(doc.errors_));
    deepEq(shape(doc), [['t', null, 2, { a: 'b', d: 'e#f' }]]);
  },

  'line joins and multi-line quotes, with line numbers kept right': () => {
    const doc = parseUci(`config t\n option a one\\\ntwo\n option b 'l1\nl2'\n option c "x\\\ny"\n option d last\n`, 'f');
    eq(doc.errors_.length, 0, JSON.stringify(doc.errors_));
    deepEq(shape(doc)[0], ['t', null, 1, { a: 'onetwo', b: 'l1\nl2', c: 'xy', d: 'last' }]);
    eq(uciOption(doc.sections[0], 'd')?.line_, 8, 'line after the multi-line values');
  },

  "statements separated by ';' and one-letter commands": () => {
    const doc = parseUci(`c t n ; o a 1 ; l b 'x'; l b y\np netledger\n`, 'f');
    eq(doc.errors_.length, 0, JSON.stringify(doc.errors_));
    deepEq(shape(doc), [['t', 'n', 1, { a: '1', b: ['list', 'x', 'y'] }]]);
    eq(doc.package_, 'netledger');
  },

  "a ';' glued to a plain value loses the rest of the line, as in libuci, and says so": () => {
    const doc = parseUci(`config t n; option a 1\n option b 2; option c 3\n option d '4'; option e 5\n`, 'f');
    deepEq(doc.errors_.map(formatUciError), [
      "f:1: ';' right after a value: uci ignores the rest of this line (put a space before ';')",
      "f:2: ';' right after a value: uci ignores the rest of this line (put a space before ';')",
    ]);
    deepEq(shape(doc), [['t', 'n', 1, { b: '2', d: '4', e: '5' }]]);
  },

  'CRLF line ends are whitespace': () => {
    const doc = parseUci(`config t 'n'\r\n\toption a 'b'\r\n\toption c d\r\n`, 'f');
    eq(doc.errors_.length, 0, JSON.stringify(doc.errors_));
    deepEq(shape(doc), [['t', 'n', 1, { a: 'b', c: 'd' }]]);
  },

  'libuci semantics: empty option unsets, list after option extends, a named section reopens': () => {
    const doc = parseUci(
      `config t main\n option a 1\n option a ''\n option b 1\n list b 2\n option c x\n option c y\nconfig u\nconfig t main\n option d 4\n option e\n`,
      'f',
    );
    eq(doc.errors_.length, 0, JSON.stringify(doc.errors_));
    deepEq(shape(doc), [['t', 'main', 1, { b: ['list', '1', '2'], c: 'y', d: '4' }], ['u', null, 8, {}]]);
    eq(uciOption(doc.sections[0], 'c')?.line_, 7, 'the last assignment wins');
  },

  'every malformed form gives its file:line message': () => {
    for (const [what, text, want] of MALFORMED) deepEq(errorsOf(text), want, what);
  },

  'parsing goes on after an error and reports each bad line': () => {
    const doc = parseUci(`config a\n option x 1 2\n bogus\n option y 3\nconfig 'b c'\n option z 1\nconfig d\n option w 2\n`, 'f');
    deepEq(doc.errors_.map(formatUciError), [
      'f:2: too many arguments', "f:3: invalid command 'bogus'", "f:5: invalid character in section type 'b c'",
    ]);
    // options of a section that failed to open are not misfiled nor reported again
    deepEq(shape(doc), [['a', null, 1, { y: '3' }], ['d', null, 7, { w: '2' }]]);
  },

  'an error after ; drops the rest of that line only': () => {
    const doc = parseUci(`config a ; option x 1 2 ; option y 2\n option z 3\n`, 'f');
    deepEq(doc.errors_.map(formatUciError), ['f:1: too many arguments']);
    deepEq(shape(doc), [['a', null, 1, { z: '3' }]]);
  },

  'quoteUci round-trips any value (seeded fuzz)': () => {
    const rnd = seeded(7);
    const alphabet = ['a', 'Z', '0', ' ', '\t', "'", '"', '\\', '#', ';', '\n', 'é', '€', '/', '$'];
    for (let i = 0; i < 300; i++) {
      let v = '';
      const n = 1 + Math.floor(rnd() * 12);
      for (let j = 0; j < n; j++) v += alphabet[Math.floor(rnd() * alphabet.length)];
      const doc = parseUci(`config t\n\toption v ${quoteUci(v)}\n\tlist l ${quoteUci(v)}\n\toption after ok\n`, 'f');
      eq(doc.errors_.length, 0, `errors for ${JSON.stringify(v)}`);
      eq(uciOption(doc.sections[0], 'v')?.values_[0], v, 'value');
      eq(uciOption(doc.sections[0], 'after')?.values_[0], 'ok', 'next option intact');
    }
  },

  'garbage never throws and errors always carry a line (seeded fuzz)': () => {
    const rnd = seeded(99);
    const bits = ['config', ' ', 'option', 'list', "'", '"', '\\', '\n', '#', ';', 'x', '-', '\r', 'package', '\u0000'];
    for (let i = 0; i < 400; i++) {
      let t = '';
      const n = Math.floor(rnd() * 40);
      for (let j = 0; j < n; j++) t += bits[Math.floor(rnd() * bits.length)];
      const doc = parseUci(t, 'f');
      const lines = t.split('\n').length;
      for (const e of doc.errors_) ok(e.line_ >= 1 && e.line_ <= lines, `line ${e.line_} of ${lines} in ${JSON.stringify(t)}`);
    }
  },
};
