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
import { newDict } from '../compat/lang';

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

// isspace() in the C locale.
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

// Names are letters, digits and '_' (a package may hold '-' too); a type is printable ASCII.
const validName = (s: string): boolean => /^\w+$/.test(s);
const validPackage = (s: string): boolean => /^[\w-]+$/.test(s);
const validType = (s: string): boolean => /^[!-~]+$/.test(s);

class ParseFailure {
  readonly line_: number;
  readonly message_: string;

  constructor(line_: number, message_: string) {
    this.line_ = line_;
    this.message_ = message_;
  }
}

/** Cursor over the whole text; `line` is the 1-based line of `pos`. */
class Cursor {
  pos_ = 0;
  line_ = 1;
  readonly text_: string;

  constructor(text_: string) {
    this.text_ = text_;
  }

  peek_(): number {
    return this.pos_ < this.text_.length ? this.text_.charCodeAt(this.pos_) : -1;
  }

  advance_(): void {
    if (this.text_.charCodeAt(this.pos_) === 10) this.line_++;
    this.pos_++;
  }

  /** Skips spaces and tabs (and \r, \v, \f) but not the newline that ends the statement. */
  skipBlanks_(): void {
    for (;;) {
      const c = this.peek_();
      if (c === 10 || c < 0 || !isSpace(c)) return;
      this.pos_++;
    }
  }

  skipToNextLine_(): void {
    const nl = this.text_.indexOf('\n', this.pos_);
    if (nl < 0) this.pos_ = this.text_.length;
    else {
      this.pos_ = nl + 1;
      this.line_++;
    }
  }

  /** A backslash at pos: true when it joins the next line (and was consumed with the newline). */
  joinsLine_(): boolean {
    const next = this.text_.charCodeAt(this.pos_ + 1);
    if (this.pos_ + 1 >= this.text_.length) {
      this.pos_++;
      return true;
    }
    if (next === 10) {
      this.pos_ += 2;
      this.line_++;
      return true;
    }
    if (next === 13 && this.text_.charCodeAt(this.pos_ + 2) === 10) {
      this.pos_ += 3;
      this.line_++;
      return true;
    }
    return false;
  }
}

const LOST_AFTER_SEMICOLON = "';' right after a value: uci ignores the rest of this line (put a space before ';')";

type Arg = { text: string; end: 'space' | 'eol' | 'semicolon' | 'lost' };

/**
 * Reads one argument at the cursor (after blanks). Returns null when the statement has no more
 * arguments (end of line, comment, ';' or end of input).
 */
function readArg(cur: Cursor): Arg | null {
  cur.skipBlanks_();
  const c0 = cur.peek_();
  if (c0 < 0 || c0 === 10 || c0 === 35 /* # */ || c0 === 59 /* ; */) return null;
  let out = '';
  const start = cur.pos_;
  for (;;) {
    const c = cur.peek_();
    if (c < 0 || c === 10 || c === 35) return { text: out, end: 'eol' };
    if (c === 59) {
      // libuci ends the value by writing NUL over the ';' when nothing in the argument was
      // unquoted or unescaped, and then loses the rest of the line without a word.
      return { text: out, end: cur.pos_ - start === out.length ? 'lost' : 'semicolon' };
    }
    if (isSpace(c)) return { text: out, end: 'space' };
    if (c === 39 /* ' */) {
      const startLine = cur.line_;
      const close = cur.text_.indexOf("'", cur.pos_ + 1);
      if (close < 0) throw new ParseFailure(startLine, "unterminated ' quote");
      const piece = cur.text_.slice(cur.pos_ + 1, close);
      for (let i = 0; i < piece.length; i++) if (piece.charCodeAt(i) === 10) cur.line_++;
      out += piece;
      cur.pos_ = close + 1;
      continue;
    }
    if (c === 34 /* " */) {
      const startLine = cur.line_;
      cur.advance_();
      for (;;) {
        const d = cur.peek_();
        if (d < 0) throw new ParseFailure(startLine, 'unterminated " quote');
        if (d === 34) {
          cur.pos_++;
          break;
        }
        if (d === 92 /* \ */) {
          if (cur.joinsLine_()) continue;
          cur.pos_++;
        }
        out += cur.text_[cur.pos_];
        cur.advance_();
      }
      continue;
    }
    if (c === 92) {
      if (cur.joinsLine_()) continue;
      cur.pos_++;
      if (cur.pos_ < cur.text_.length) {
        out += cur.text_[cur.pos_];
        cur.advance_();
      }
      continue;
    }
    out += cur.text_[cur.pos_];
    cur.pos_++;
  }
}

/** Reads the arguments of one statement, consuming its terminator (newline, ';', comment). */
function readArgs(cur: Cursor): { args: string[]; more: boolean; lost: boolean } {
  const args: string[] = [];
  for (;;) {
    const a = readArg(cur);
    if (a === null) break;
    args.push(a.text);
    if (a.end === 'lost') {
      cur.skipToNextLine_();
      return { args, more: false, lost: true };
    }
    if (a.end !== 'space') break;
  }
  cur.skipBlanks_();
  const c = cur.peek_();
  if (c === 59) {
    cur.pos_++;
    return { args, more: true, lost: false };
  }
  // End of the line: a comment or the newline.
  cur.skipToNextLine_();
  return { args, more: false, lost: false };
}

/** A statement takes 2 to `max` words; `missing` says what a lone command word lacks. */
function argCount(args: string[], max: number, line: number, missing: string): void {
  if (args.length < 2) throw new ParseFailure(line, missing);
  if (args.length > max) throw new ParseFailure(line, 'too many arguments');
}

/** The statements, each also written as its first letter. */
const COMMANDS = ['package', 'config', 'option', 'list'] as const;

export function parseUci(text: string, file: string): UciDocument {
  const doc: UciDocument = { file_: file, package_: null, sections: [], errors_: [] };
  const byName: Record<string, UciSection> = newDict();
  const cur = new Cursor(text);
  let section: UciSection | null = null;
  // After a `config` line that failed, its options are not reported again as orphans.
  let sectionFailed = false;

  const fail = (line: number, message: string): void => {
    doc.errors_.push({ file_: file, line_: line, message_: message });
  };

  while (cur.pos_ < text.length) {
    const line = cur.line_;
    let more = false;
    try {
      cur.skipBlanks_();
      const c = cur.peek_();
      if (c === 10 || c === 35 || c < 0) {
        cur.skipToNextLine_();
        continue;
      }
      const r = readArgs(cur);
      more = r.more;
      const args = r.args;
      if (r.lost) fail(line, LOST_AFTER_SEMICOLON);
      if (args.length === 0) continue;
      const word = args[0];
      const cmd = COMMANDS.find((c) => c === word || c[0] === word);
      if (cmd === undefined) throw new ParseFailure(line, `invalid command '${args[0]}'`);
      if (cmd === 'package') {
        argCount(args, 2, line, 'package without name');
        if (!validPackage(args[1])) throw new ParseFailure(line, `invalid character in package name '${args[1]}'`);
        doc.package_ = args[1];
      } else if (cmd === 'config') {
        section = null;
        sectionFailed = true;
        argCount(args, 3, line, 'config without type');
        const type = args[1];
        if (!validType(type)) throw new ParseFailure(line, `invalid character in section type '${type}'`);
        const name = args.length === 3 && args[2] !== '' ? args[2] : null;
        if (name !== null && !validName(name)) {
          throw new ParseFailure(line, `invalid section name '${name}' (letters, digits and _ only)`);
        }
        if (name !== null && byName[name]) {
          const prior = byName[name];
          if (prior.type !== type) {
            throw new ParseFailure(line,
              `section '${name}' of type '${type}' overwrites a '${prior.type}' section of the same name (line ${prior.line_})`);
          }
          section = prior;
        } else {
          section = { type, name_: name, line_: line, options_: [] };
          doc.sections.push(section);
          if (name !== null) byName[name] = section;
        }
        sectionFailed = false;
      } else {
        if (section === null) {
          if (sectionFailed) continue;
          throw new ParseFailure(line, `${cmd} found before the first section`);
        }
        argCount(args, 3, line, `${cmd} without name`);
        const name = args[1];
        if (!validName(name)) throw new ParseFailure(line, `invalid option name '${name}' (letters, digits and _ only)`);
        const value = args.length === 3 ? args[2] : '';
        setOption(section, cmd, name, value, line);
      }
    } catch (e) {
      if (!(e instanceof ParseFailure)) throw e;
      fail(e.line_, e.message_);
      // libuci drops the rest of a bad line; an unterminated quote consumed the rest of the file.
      if (e.message_.startsWith('unterminated')) break;
      if (more || cur.line_ === line) cur.skipToNextLine_();
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
