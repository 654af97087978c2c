// Checks a parsed UCI document against a schema table and fills defaults. Generic over the
// table so schema.ts stays the one place that names options; this file only knows the rules:
// one section per type, unknown types and options are errors, bad values keep their default.
import type { UciDocument } from './uci';
import type { OptionSpec, SectionSpec } from './spec';
import { isArray, keysOf, minOf } from '../compat/lang';

export interface ConfigError {
  file: string;
  line: number;
  /** Section type the error is in, when it is in one. */
  section?: string;
  /** Option the error is about, when it is about one. */
  option?: string;
  message: string;
}

/** `FILE:LINE: option 'x': message`, or `FILE:LINE: message` when no option is concerned. */
export function formatConfigError(e: ConfigError): string {
  return `${e.file}:${e.line}: ${e.option !== undefined ? `option '${e.option}': ` : ''}${e.message}`;
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
  const file = doc.file;
  const errors: ConfigError[] = doc.errors.map((e) => ({ file: e.file, line: e.line, message: e.message }));
  const values = defaultsOf(schema);
  const origins: Origins = { sections_: {}, options_: {} };
  const types = keysOf(schema);
  const err = (line: number, message: string, section?: string, option?: string): void => {
    const e: ConfigError = { file, line, message };
    if (section !== undefined) e.section = section;
    if (option !== undefined) e.option = option;
    errors.push(e);
  };
  if (doc.package !== null && doc.package !== 'netledger') err(1, `package '${doc.package}' is not netledger`);
  for (const s of doc.sections) {
    const spec = schema[s.type];
    if (!spec || !Object.hasOwn(schema, s.type)) {
      err(s.line, `unknown section type '${s.type}'${suggest(s.type, types)}; known types: ${types.join(', ')}`, s.type);
      continue;
    }
    if (s.type in origins.sections_) {
      err(s.line, `a second '${s.type}' section (the first is at line ${origins.sections_[s.type]}); netledger reads one`, s.type);
      continue;
    }
    origins.sections_[s.type] = s.line;
    const lines: Record<string, number> = {};
    origins.options_[s.type] = lines;
    const names = keysOf(spec.options);
    for (const o of s.options) {
      const ospec = Object.hasOwn(spec.options, o.name) ? spec.options[o.name] : undefined;
      if (!ospec) {
        err(o.line, `unknown option in section '${s.type}'${suggest(o.name, names)}`, s.type, o.name);
        continue;
      }
      lines[o.name] = o.line;
      const r = ospec.read(o.values, o.kind === 'list');
      if (!r.ok) {
        err(o.line, r.message, s.type, o.name);
        continue;
      }
      values[s.type][o.name] = r.value;
    }
  }
  return { values, errors, origins };
}
