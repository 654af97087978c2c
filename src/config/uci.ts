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
const NAME_RULE = '(letters, digits and _ only)';

// isspace() in the C locale, but not the newline that ends a statement.
const isBlank = (c: number): boolean => c === 32 || (c >= 9 && c <= 13 && c !== 10);

// A bad statement is thrown as [line, message] (anything else thrown is a bug and goes on up).
type Failure = [number, string];

export function parseUci(text: string, file: string): UciDocument {
  const doc: UciDocument = { file_: file, package_: null, sections: [], errors_: [] };
  const byName: Record<string, UciSection> = newDict();
  const len = text.length;
  // The cursor: `line` is the 1-based line of `pos`.
  let pos = 0;
  let line = 1;
  // The open section; null before the first, undefined after a `config` line that failed (its
  // options are then not reported again as orphans).
  let section: UciSection | null | undefined = null;
  // How the last argument ended: 0 at a blank, 1 at the end of the statement (newline, '#', end of
  // text), 2 at a ';' after quotes or escapes (or no argument), 3 at a ';' glued to a plain value.
  let end = 0;
  // The statement just read ended at a ';' (another follows on the line).
  let more = false;

  // The first line of the statement being read.
  let ln = 1;
  // A bad statement: thrown, caught below, reported at ln.
  const refuse: (message: string) => never = (message) => {
    throw [ln, message] as Failure;
  };
  /** A statement of command `cmd` takes 2 to `max` words: a name (a config: a type), and a value or section name. */
  const argCount = (args: string[], cmd: string, max: number): void => {
    if (args.length < 2) refuse(`${cmd} without ${cmd === 'config' ? 'type' : 'name'}`);
    if (args.length > max) refuse('too many arguments');
  };
  const fail = (at: number, message: string): void => {
    doc.errors_.push({ file_: file, line_: at, message_: message });
  };
  const peek = (): number => (pos < len ? text.charCodeAt(pos) : -1);
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

  // One argument at the cursor (after blanks), or null when the statement has no more. Quoted
  // pieces: '...' takes everything literally, "..." lets a backslash take the next character.
  const readArg = (): string | null => {
    skipBlanks();
    let out = '';
    let quote = 0; // the open quote character, 0 outside quotes
    let quoteLine = 0;
    const start = pos;
    for (;;) {
      const c = peek();
      if (quote) {
        if (c < 0) throw [quoteLine, `unterminated ${quote === 39 ? "'" : '"'} quote`] as Failure;
        if (c === quote) {
          quote = 0;
          pos++;
          continue;
        }
      } else {
        // libuci ends the value by writing NUL over the ';' when nothing in the argument was
        // unquoted or unescaped, and then loses the rest of the line without a word.
        end = c < 0 || c === 10 || c === 35 ? 1 : isBlank(c) ? 0 : c === 59 ? (pos > start && pos - start === out.length ? 3 : 2) : -1;
        if (end >= 0) return pos > start ? out : null;
        if (c === 39 || c === 34) {
          quote = c;
          quoteLine = line;
          pos++;
          continue;
        }
      }
      // A backslash (not in '...') takes the next character literally (a lone one at the end of
      // text: nothing), or joins the next line.
      if (c === 92 && quote !== 39) {
        if (joinsLine()) continue;
        pos++;
      }
      out += text[pos];
      if (text.charCodeAt(pos++) === 10) line++;
    }
  };

  while (pos < len) {
    ln = line;
    more = false;
    try {
      // The arguments of one statement, consuming its terminator (newline, ';', comment).
      const args: string[] = [];
      for (let a; (a = readArg()) !== null;) {
        args.push(a);
        if (end) break;
      }
      if (end === 3) {
        skipToNextLine();
        fail(ln, "';' right after a value: uci ignores the rest of this line (put a space before ';')");
      } else {
        skipBlanks();
        if (peek() === 59) {
          pos++;
          more = true;
        } else skipToNextLine(); // end of the line: a comment or the newline
      }
      if (!args.length) continue;
      const [word, name] = args;
      // the statements, each also written as its first letter
      const cmd = (['package', 'config', 'option', 'list'] as const).find((c) => c === word || c[0] === word);
      if (cmd === undefined) refuse(`invalid command '${word}'`);
      if (cmd === 'package') {
        argCount(args, cmd, 2);
        if (!/^[\w-]+$/.test(name)) refuse(`invalid character in package name '${name}'`);
        doc.package_ = name;
      } else if (cmd === 'config') {
        section = undefined;
        argCount(args, cmd, 3);
        if (!/^[!-~]+$/.test(name)) refuse(`invalid character in section type '${name}'`);
        const id = args[2] || null;
        if (id && !/^\w+$/.test(id)) refuse(`invalid section name '${id}' ${NAME_RULE}`);
        const prior = id && byName[id];
        if (prior && prior.type !== name) {
          refuse(`section '${id}' of type '${name}' overwrites a '${prior.type}' section of the same name (line ${prior.line_})`);
        }
        if (!(section = prior || null)) {
          doc.sections.push(section = { type: name, name_: id, line_: ln, options_: [] });
          if (id) byName[id] = section;
        }
      } else {
        if (!section) {
          if (section === undefined) continue;
          refuse(`${cmd} found before the first section`);
        }
        argCount(args, cmd, 3);
        if (!/^\w+$/.test(name)) refuse(`invalid option name '${name}' ${NAME_RULE}`);
        const value = args[2] ?? '';
        const opts = section.options_;
        let o = uciOption(section, name);
        if (cmd === 'option' && value === '') {
          // libuci: setting an empty value deletes the option.
          if (o) opts.splice(opts.indexOf(o), 1);
        } else {
          // A list after an option of the same name keeps the option's value as its first item.
          if (!o) opts.push(o = { name_: name, kind_: cmd, values_: [], line_: ln });
          o.values_ = cmd === 'list' ? [...o.values_, value] : [value];
          o.kind_ = cmd;
          o.line_ = ln;
        }
      }
    } catch (e) {
      if (!isArray(e)) throw e;
      const [at, message] = e as Failure;
      fail(at, message);
      // libuci drops the rest of a bad line; an unterminated quote (the one message starting with
      // a 'u') consumed the rest of the file.
      if (message[0] === 'u') break;
      if (more || line === ln) skipToNextLine();
    }
  }
  return doc;
}
