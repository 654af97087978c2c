// Checks a parsed UCI document against a schema table and fills defaults. Generic over the
// table so schema.ts stays the one place that names options; this file only knows the rules:
// one section per type, unknown types and options are errors, bad values keep their default.
import type { UciDocument } from './uci';
import type { OptionSpec, SectionSpec } from './spec';
import { isArray, keysOf, minOf } from '../compat/lang';

export interface ConfigError {
  file_: string;
  line_: number;
  /** Section type the error is in, when it is in one. */
  section_?: string;
  /** Option the error is about, when it is about one. */
  option_?: string;
  message_: string;
}

/** `FILE:LINE: option 'x': message`, or `FILE:LINE: message` when no option is concerned. */
export function formatConfigError(e: ConfigError): string {
  return `${e.file_}:${e.line_}: ${e.option_ !== undefined ? `option '${e.option_}': ` : ''}${e.message_}`;
}

export type AnySchema = Record<string, SectionSpec<Record<string, OptionSpec<unknown>>>>;

/** Where each section and option came from, so later checks can point at the right line. */
export interface Origins {
  sections_: Record<string, number>;
  options_: Record<string, Record<string, number>>;
}

export function defaultsOf(schema: AnySchema): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const type of keysOf(schema)) {
    const opts = schema[type].options;
    const values: Record<string, unknown> = {};
    for (const name of keysOf(opts)) values[name] = cloneValue(opts[name].default);
    out[type] = values;
  }
  return out;
}

function cloneValue(v: unknown): unknown {
  if (isArray(v)) return v.slice();
  if (v !== null && typeof v === 'object') return { ...(v as object) };
  return v;
}

/** Small edit distance, for "did you mean" hints on unknown names. */
function distance(a: string, b: string): number {
  const row: number[] = [];
  for (let j = 0; j <= b.length; j++) row.push(j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = minOf(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

export function suggest(name: string, known: string[]): string {
  let best = '';
  let bestD = 3;
  for (const k of known) {
    const d = distance(name, k);
    if (d < bestD) {
      best = k;
      bestD = d;
    }
  }
  return best ? ` (did you mean '${best}'?)` : '';
}

export function validateDocument(
  doc: UciDocument, schema: AnySchema,
): { values: Record<string, Record<string, unknown>>; errors: ConfigError[]; origins: Origins } {
  const file = doc.file_;
  const errors: ConfigError[] = doc.errors_.slice(); // a UciError is a ConfigError without section or option
  const values = defaultsOf(schema);
  const origins: Origins = { sections_: {}, options_: {} };
  const types = keysOf(schema);
  const err = (line: number, message: string, section?: string, option?: string): void => {
    const e: ConfigError = { file_: file, line_: line, message_: message };
    if (section !== undefined) e.section_ = section;
    if (option !== undefined) e.option_ = option;
    errors.push(e);
  };
  if (doc.package_ !== null && doc.package_ !== 'netledger') err(1, `package '${doc.package_}' is not netledger`);
  for (const s of doc.sections) {
    const spec = schema[s.type];
    if (!spec || !Object.hasOwn(schema, s.type)) {
      err(s.line_, `unknown section type '${s.type}'${suggest(s.type, types)}; known types: ${types.join(', ')}`, s.type);
      continue;
    }
    if (s.type in origins.sections_) {
      err(s.line_, `a second '${s.type}' section (the first is at line ${origins.sections_[s.type]}); netledger reads one`, s.type);
      continue;
    }
    origins.sections_[s.type] = s.line_;
    const lines: Record<string, number> = {};
    origins.options_[s.type] = lines;
    const names = keysOf(spec.options);
    for (const o of s.options_) {
      const ospec = Object.hasOwn(spec.options, o.name_) ? spec.options[o.name_] : undefined;
      if (!ospec) {
        err(o.line_, `unknown option in section '${s.type}'${suggest(o.name_, names)}`, s.type, o.name_);
        continue;
      }
      lines[o.name_] = o.line_;
      const r = ospec.read_(o.values_, o.kind_ === 'list');
      if (!r.ok) {
        err(o.line_, r.message, s.type, o.name_);
        continue;
      }
      values[s.type][o.name_] = r.value;
    }
  }
  return { values, errors, origins };
}
