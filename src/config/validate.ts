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

/** Every error formatted, a line each. */
export function formatConfigErrors(errors: ConfigError[]): string {
  return errors.map((e) => formatConfigError(e) + '\n').join('');
}

export type AnySchema = Record<string, SectionSpec<Record<string, OptionSpec<unknown>>>>;

/**
 * Where each section ('type') and option ('type.option') came from, so later checks can point at
 * the right line.
 */
export type Origins = Record<string, number>;

function defaultsOf(schema: AnySchema): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const type of keysOf(schema)) {
    const opts = schema[type].options;
    const values: Record<string, unknown> = (out[type] = {});
    // A list default is copied: configs must not share an array. (Other defaults are primitives,
    // or a hostport object that nothing mutates.)
    for (const name of keysOf(opts)) {
      const v = opts[name].default;
      values[name] = isArray(v) ? v.slice() : v;
    }
  }
  return out;
}

/** " (did you mean 'x'?)" for the known name within edit distance 2 of name (the first closest), or ''. */
export function suggest(name: string, known: string[]): string {
  let best = '';
  let bestD = 3;
  for (const k of known) {
    // Levenshtein distance, one row at a time.
    const row = [...Array(k.length + 1).keys()];
    for (let i = 1; i <= name.length; i++) {
      let prev = row[0];
      row[0] = i;
      for (let j = 1; j <= k.length; j++) {
        const tmp = row[j];
        row[j] = minOf(tmp + 1, row[j - 1] + 1, prev + (name[i - 1] === k[j - 1] ? 0 : 1));
        prev = tmp;
      }
    }
    if (row[k.length] < bestD) {
      best = k;
      bestD = row[k.length];
    }
  }
  return best ? ` (did you mean '${best}'?)` : '';
}

/** Records an error at a line, about a section type and option when given. */
export type ErrorAt = (line: number, message: string, section?: string, option?: string) => void;

/** The values of doc by the schema (defaults where unset or bad); errors go to err, lines to origins. */
export function validateDocument(doc: UciDocument, schema: AnySchema, origins: Origins, err: ErrorAt): Record<string, Record<string, unknown>> {
  const values = defaultsOf(schema);
  const types = keysOf(schema);
  if (doc.package_ !== null && doc.package_ !== 'netledger') err(1, `package '${doc.package_}' is not netledger`);
  for (const s of doc.sections) {
    const type = s.type;
    if (!Object.hasOwn(schema, type)) {
      err(s.line_, `unknown section type '${type}'${suggest(type, types)}; known types: ${types.join(', ')}`, type);
    } else if (type in origins) {
      err(s.line_, `a second '${type}' section (the first is at line ${origins[type]}); netledger reads one`, type);
    } else {
      origins[type] = s.line_;
      const specs = schema[type].options;
      for (const o of s.options_) {
        const name = o.name_;
        if (!Object.hasOwn(specs, name)) {
          err(o.line_, `unknown option in section '${type}'${suggest(name, keysOf(specs))}`, type, name);
          continue;
        }
        origins[`${type}.${name}`] = o.line_;
        const r = specs[name].read_(o.values_, o.kind_ === 'list');
        if (r.ok_) values[type][name] = r.value_;
        else err(o.line_, r.message_, type, name);
      }
    }
  }
  return values;
}
