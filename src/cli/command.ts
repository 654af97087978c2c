import type { Host } from '../host/types';
import { parseArgs, optionHelp, type OptionSpecs, type ParsedArgs } from './args';

/** One CLI verb. */
export interface Command {
  name_: string;
  summary_: string;
  /** What follows `netledger <name>` in its usage line. */
  usage_: string;
  /** Its options (see args.ts); every command also takes --help. */
  options_: OptionSpecs;
  /**
   * Returns the exit code. An async run_ starts with `await null`: qjs exits on a promise
   * rejected before its awaiter attached a handler, which a throw before the first await does.
   */
  run_(host: Host, args: ParsedArgs): number | Promise<number>;
}

/** Parses argv for cmd and runs it, or prints its help. Usage errors throw (UsageError). */
export function invoke(host: Host, cmd: Command, argv: string[]): number | Promise<number> {
  const specs = { ...cmd.options_, help: '-show this help' };
  const args = parseArgs(argv, specs);
  if (!args.options_.help) return cmd.run_(host, args);
  host.writeStdout(`usage: netledger ${cmd.name_} ${cmd.usage_}\n\n${optionHelp(specs)}\n`);
  return 0;
}
