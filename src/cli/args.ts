// A small argv parser: `--name value`, `--name=value`, boolean `--flag`, repeatable options.
// Unknown options are errors that name the option, so a typo never silently changes behaviour.
import { isArray } from '../compat/lang';

export interface OptionSpec {
  /** 'string' takes a value; 'bool' does not; 'list' takes a value and may repeat. */
  kind_: 'string' | 'bool' | 'list';
  help_: string;
}

export type OptionSpecs = Record<string, OptionSpec>;

// Option tables are written through these (one call instead of a `{ kind, help }` literal each:
// the tables are most of the CLI's bytes in the bundle).
export const valueOption = (help: string): OptionSpec => ({ kind_: 'string', help_: help });
export const flagOption = (help: string): OptionSpec => ({ kind_: 'bool', help_: help });
export const listOption = (help: string): OptionSpec => ({ kind_: 'list', help_: help });

/** `--help`, which every command takes. */
export const HELP_OPTION = flagOption('show this help');

type OptionValues = Record<string, string | boolean | string[] | undefined>;

export interface ParsedArgs {
  options_: OptionValues;
  positional_: string[];
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function parseArgs(argv: string[], specs: OptionSpecs): ParsedArgs {
  const options: OptionValues = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    const spec = specs[name];
    if (!spec) throw new UsageError(`unknown option --${name}`);
    if (spec.kind_ === 'bool') {
      if (eq >= 0) throw new UsageError(`option --${name} takes no value`);
      options[name] = true;
      continue;
    }
    let value: string;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      if (i + 1 >= argv.length) throw new UsageError(`option --${name} needs a value`);
      value = argv[++i];
    }
    if (spec.kind_ === 'list') {
      const prev = options[name];
      options[name] = isArray(prev) ? [...prev, value] : [value];
    } else {
      options[name] = value;
    }
  }
  return { options_: options, positional_: positional };
}

export function optionHelp(specs: OptionSpecs): string {
  return Object.entries(specs)
    .map(([name, s]) => `  --${name}${s.kind_ === 'bool' ? '' : ' VALUE'}`.padEnd(28) + s.help_)
    .join('\n');
}

export function str(args: ParsedArgs, name: string): string | undefined {
  const v = args.options_[name];
  return typeof v === 'string' ? v : undefined;
}

export function num(args: ParsedArgs, name: string): number | undefined {
  const v = str(args, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`option --${name}: not a number: ${v}`);
  return n;
}
