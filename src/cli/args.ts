// A small argv parser: `--name value`, `--name=value`, boolean `--flag`, repeatable options.
// Unknown options are errors that name the option, so a typo never silently changes behaviour.
import { isArray } from '../compat/lang';

export interface OptionSpec {
  /** 'string' takes a value; 'bool' does not; 'list' takes a value and may repeat. */
  kind: 'string' | 'bool' | 'list';
  help: string;
}

export type OptionSpecs = Record<string, OptionSpec>;

/** `--help`, which every command takes. */
export const HELP_OPTION: OptionSpec = { kind: 'bool', help: 'show this help' };

export interface ParsedArgs {
  options: Record<string, string | boolean | string[] | undefined>;
  positional: string[];
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function parseArgs(argv: string[], specs: OptionSpecs): ParsedArgs {
  const options: ParsedArgs['options'] = {};
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
    if (spec.kind === 'bool') {
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
    if (spec.kind === 'list') {
      const prev = options[name];
      options[name] = isArray(prev) ? [...prev, value] : [value];
    } else {
      options[name] = value;
    }
  }
  return { options, positional };
}

export function optionHelp(specs: OptionSpecs): string {
  return Object.entries(specs)
    .map(([name, s]) => `  --${name}${s.kind === 'bool' ? '' : ' VALUE'}`.padEnd(28) + s.help)
    .join('\n');
}

export function str(args: ParsedArgs, name: string): string | undefined {
  const v = args.options[name];
  return typeof v === 'string' ? v : undefined;
}

export function num(args: ParsedArgs, name: string): number | undefined {
  const v = str(args, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`option --${name}: not a number: ${v}`);
  return n;
}
