// A small argv parser: `--name value`, `--name=value`, boolean `--flag`, repeatable options.
// Unknown options are errors that name the option, so a typo never silently changes behaviour.
import { isArray } from '../compat/lang';

/**
 * Option name -> help text, whose first character may give the kind: '-' a flag (no value),
 * '+' a repeatable option; any other text (so never starting with '-' or '+') is an option with
 * one value. (One string per option:
 * the tables are most of the CLI's bytes in the bundle.)
 */
export type OptionSpecs = Record<string, string>;

/** By option name: a string for an option with a value, true for a flag, string[] for a repeatable one. */
type OptionValues = Record<string, string | boolean | string[] | undefined>;

export interface ParsedArgs {
  options_: OptionValues;
  positional_: string[];
}

export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseArgs(argv: string[], specs: OptionSpecs): ParsedArgs {
  const options: OptionValues = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    // --name, --name=value (the value may hold anything, '=' and newlines too)
    const m = /^--([^=]*)(=?)([^]*)$/.exec(arg);
    if (!m) {
      positional.push(arg);
      continue;
    }
    const [, name, eq, inline] = m;
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    const kind = Object.hasOwn(specs, name) ? specs[name][0] : undefined;
    if (kind === undefined) throw new UsageError(`unknown option --${name}`);
    if (kind === '-') {
      if (eq) throw new UsageError(`option --${name} takes no value`);
      options[name] = true;
      continue;
    }
    if (!eq && i + 1 >= argv.length) throw new UsageError(`option --${name} needs a value`);
    const value = eq ? inline : argv[++i];
    const prev = options[name];
    options[name] = kind !== '+' ? value : isArray(prev) ? [...prev, value] : [value];
  }
  return { options_: options, positional_: positional };
}

export function optionHelp(specs: OptionSpecs): string {
  return Object.entries(specs)
    .map(([name, h]) => `  --${name}${h[0] === '-' ? '' : ' VALUE'}`.padEnd(28) + h.replace(/^[-+]/, ''))
    .join('\n');
}

/** A number option's value (value options are strings: see parseArgs). */
export function num(args: ParsedArgs, name: string): number | undefined {
  const v = args.options_[name] as string | undefined;
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!isFinite(n)) throw new UsageError(`option --${name}: not a number: ${v}`);
  return n;
}
