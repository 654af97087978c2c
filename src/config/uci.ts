// A reader of UCI config files, so the agent needs no `uci` binary and can say file:line.
// It accepts what OpenWrt's libuci file parser (file.c) accepts, in its strict mode:
//  - statements `package`, `config`, `option`, `list` (or their one-letter forms p/c/o/l), one
//    per line or several separated by ';' (a ';' glued to a plain value loses the rest of the
//    line in libuci: we apply the statement as it does and report the loss);
//  - an argument is a run of unquoted text, '...' (nothing escaped inside) and "..." (a
//    backslash takes the next character literally) pieces, glued until whitespace;
//  - an unquoted '#' ends the line; a backslash at the end of a line joins the next line;
//    a quoted argument may span lines and then keeps the newlines;
//  - section and option names are letters, digits and '_'; a type is any printable
//    non-space ASCII; extra arguments are an error;
//  - `option x ''` unsets x; `list` after `option` of the same name turns it into a list that
//    starts with the old value; a named section given twice is one section (a different type
//    is an error).
// Unlike libuci, every bad statement is reported (not just the first) and parsing goes on.
import { newDict, isArray } from '../compat/lang';

export interface UciOption {
  name_: string;
  /** 'option' holds exactly one value; 'list' holds its values in file order. */
  kind_: 'option' | 'list';
  values_: string[];
  /** Line of the statement that last set it: where an error about its value should point. */
  line_: number;
}

export interface UciSection {
  type: string;
  /** null for an anonymous section (`config type` without a name). */
  name_: string | null;
  /** Line of the first `config` statement of this section. */
  line_: number;
  /** Options in the order they were first set. */
  options_: UciOption[];
}

export interface UciError {
  file_: string;
  line_: number;
  message_: string;
}

export interface UciDocument {
  file_: string;
  /** From a `package` statement, when the file has one. */
  package_: string | null;
  sections: UciSection[];
  errors_: UciError[];
}

export function formatUciError(e: UciError): string {
  return `${e.file_}:${e.line_}: ${e.message_}`;
}

/** The option of a section by name, or undefined. */
export function uciOption(section: UciSection, name: string): UciOption | undefined {
  for (const o of section.options_) if (o.name_ === name) return o;
  return undefined;
}

/** Quotes a value the way `uci export` does: single quotes, a quote as '\''. */
export function quoteUci(value: string): string {
  return `'${value.split("'").join("'\\''")}'`;
}

// Names are letters, digits and '_' (a package may hold '-' too); a type is printable ASCII.
const validName = (s: string): boolean => /^\w+$/.test(s);
const validPackage = (s: string): boolean => /^[\w-]+$/.test(s);
const validType = (s: string): boolean => /^[!-~]+$/.test(s);
const NAME_RULE = '(letters, digits and _ only)';

// isspace() in the C locale, but not the newline that ends a statement.
const isBlank = (c: number): boolean => c === 32 || (c >= 9 && c <= 13 && c !== 10);

const LOST_AFTER_SEMICOLON = "';' right after a value: uci ignores the rest of this line (put a space before ';')";

// A bad statement is thrown as [line, message] (anything else thrown is a bug and goes on up).
type Failure = [number, string];

/** The statements, each also written as its first letter. */
const COMMANDS = ['package', 'config', 'option', 'list'] as const;

export function parseUci(text: string, file: string): UciDocument {
  const doc: UciDocument = { file_: file, package_: null, sections: [], errors_: [] };
  const byName: Record<string, UciSection> = newDict();
  const len = text.length;
  // The cursor: `line` is the 1-based line of `pos`.
  let pos = 0;
  let line = 1;
  let section: UciSection | null = null;
  // After a `config` line that failed, its options are not reported again as orphans.
  let sectionFailed = false;
  // How the last argument ended: 0 at a blank, 1 at the end of the statement (newline, '#', end of
  // text), 2 at a ';' after quotes or escapes, 3 at a ';' glued to a plain value.
  let end = 0;
  // The statement just read ended at a ';' (another follows on the line) / lost the rest of its line.
  let more = false;
  let lost = false;

  // The first line of the statement being read.
  let ln = 1;
  // A bad statement: thrown, caught below, reported at ln.
  const refuse: (message: string) => never = (message) => {
    throw [ln, message] as Failure;
  };
  /** A statement takes 2 to `max` words; `missing` says what a lone command word lacks. */
  const argCount = (args: string[], max: number, missing: string): void => {
    if (args.length < 2) refuse(missing);
    if (args.length > max) refuse('too many arguments');
  };
  const fail = (at: number, message: string): void => {
    doc.errors_.push({ file_: file, line_: at, message_: message });
  };
  const peek = (): number => (pos < len ? text.charCodeAt(pos) : -1);
  const advance = (): void => {
    if (text.charCodeAt(pos++) === 10) line++;
  };
  const skipBlanks = (): void => {
    while (isBlank(peek())) pos++;
  };
  const skipToNextLine = (): void => {
    const nl = text.indexOf('\n', pos);
    pos = nl < 0 ? len : nl + 1;
    if (nl >= 0) line++;
  };
  // A backslash at pos: true when it joins the next line (and was consumed with the newline).
  const joinsLine = (): boolean => {
    const next = text.charCodeAt(pos + 1);
    const skip = pos + 1 >= len ? 1 : next === 10 ? 2 : next === 13 && text.charCodeAt(pos + 2) === 10 ? 3 : 0;
    if (skip > 1) line++;
    pos += skip;
    return skip > 0;
  };

  // One argument at the cursor (after blanks), or null when the statement has no more.
  const readArg = (): string | null => {
    skipBlanks();
    const c0 = peek();
    if (c0 < 0 || c0 === 10 || c0 === 35 /* # */ || c0 === 59 /* ; */) return null;
    let out = '';
    const start = pos;
    for (;;) {
      const c = peek();
      end = c < 0 || c === 10 || c === 35 ? 1 : isBlank(c) ? 0 : -1;
      // libuci ends the value by writing NUL over the ';' when nothing in the argument was
      // unquoted or unescaped, and then loses the rest of the line without a word.
      if (c === 59) end = pos - start === out.length ? 3 : 2;
      if (end >= 0) return out;
      if (c === 39 /* ' */) {
        const close = text.indexOf("'", pos + 1);
        if (close < 0) throw [line, "unterminated ' quote"] as Failure;
        const piece = text.slice(pos + 1, close);
        out += piece;
        line += piece.split('\n').length - 1;
        pos = close + 1;
      } else if (c === 34 /* " */) {
        const startLine = line;
        pos++;
        for (let d; (d = peek()) !== 34;) {
          if (d < 0) throw [startLine, 'unterminated " quote'] as Failure;
          if (d === 92 /* \ */) {
            if (joinsLine()) continue;
            pos++;
          }
          out += text[pos];
          advance();
        }
        pos++;
      } else if (c !== 92 || !joinsLine()) {
        // A backslash takes the next character literally (a lone one at the end of text: nothing).
        if (c === 92) pos++;
        out += text[pos];
        advance();
      }
    }
  };

  // The arguments of one statement, consuming its terminator (newline, ';', comment).
  const readArgs = (): string[] => {
    const args: string[] = [];
    more = lost = false;
    for (let a; (a = readArg()) !== null;) {
      args.push(a);
      if (end === 3) {
        skipToNextLine();
        lost = true;
        return args;
      }
      if (end) break;
    }
    skipBlanks();
    if (peek() === 59) {
      pos++;
      more = true;
    } else skipToNextLine(); // end of the line: a comment or the newline
    return args;
  };

  while (pos < len) {
    ln = line;
    try {
      skipBlanks();
      const c = peek();
      if (c === 10 || c === 35 || c < 0) {
        skipToNextLine();
        continue;
      }
      const args = readArgs();
      if (lost) fail(ln, LOST_AFTER_SEMICOLON);
      if (args.length === 0) continue;
      const word = args[0];
      const cmd = COMMANDS.find((c) => c === word || c[0] === word);
      if (cmd === undefined) refuse(`invalid command '${word}'`);
      const name = args[1];
      if (cmd === 'package') {
        argCount(args, 2, 'package without name');
        if (!validPackage(name)) refuse(`invalid character in package name '${name}'`);
        doc.package_ = name;
      } else if (cmd === 'config') {
        section = null;
        sectionFailed = true;
        argCount(args, 3, 'config without type');
        if (!validType(name)) refuse(`invalid character in section type '${name}'`);
        const id = args[2] || null;
        if (id && !validName(id)) refuse(`invalid section name '${id}' ${NAME_RULE}`);
        const prior = id && byName[id];
        if (prior) {
          if (prior.type !== name) {
            refuse(`section '${id}' of type '${name}' overwrites a '${prior.type}' section of the same name (line ${prior.line_})`);
          }
          section = prior;
        } else {
          section = { type: name, name_: id, line_: ln, options_: [] };
          doc.sections.push(section);
          if (id) byName[id] = section;
        }
        sectionFailed = false;
      } else {
        if (section === null) {
          if (sectionFailed) continue;
          refuse(`${cmd} found before the first section`);
        }
        argCount(args, 3, `${cmd} without name`);
        if (!validName(name)) refuse(`invalid option name '${name}' ${NAME_RULE}`);
        setOption(section, cmd, name, args[2] ?? '', ln);
      }
    } catch (e) {
      if (!isArray(e)) throw e;
      const [at, message] = e as Failure;
      fail(at, message);
      // libuci drops the rest of a bad line; an unterminated quote consumed the rest of the file.
      if (message.startsWith('unterminated')) break;
      if (more || line === ln) skipToNextLine();
    }
  }
  return doc;
}

function setOption(section: UciSection, cmd: 'option' | 'list', name: string, value: string, line: number): void {
  const opts = section.options_;
  const idx = opts.findIndex((o) => o.name_ === name);
  if (cmd === 'option' && value === '') {
    // libuci: setting an empty value deletes the option.
    if (idx >= 0) opts.splice(idx, 1);
    return;
  }
  // A list after an option of the same name keeps the option's value as its first item.
  const o = idx >= 0 ? opts[idx] : opts[opts.push({ name_: name, kind_: cmd, values_: [], line_: line }) - 1];
  if (cmd === 'list') o.values_.push(value);
  else o.values_ = [value];
  o.kind_ = cmd;
  o.line_ = line;
}
