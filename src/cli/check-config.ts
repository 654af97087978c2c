// `netledger check-config FILE`: validates a UCI config against the schema, as the agent will
// read it. Prints `FILE: OK` and the settings that differ from the defaults, or every error as
// `FILE:LINE: option 'x': message` and exits 1.
import type { Host } from '../host/types';
import type { Command } from './command';
import { parseArgs, optionHelp, UsageError, HELP_OPTION, flagOption, type OptionSpecs } from './args';
import { loadConfig, nonDefaults, formatConfigError, type LoadOptions } from '../config/schema';

const SPECS: OptionSpecs = {
  quiet: flagOption('print nothing when the file is valid'),
  help: HELP_OPTION,
};

/** The system hostname (for a sensor_id left empty), when the platform tells it. */
export function systemHostname(host: Host): string | undefined {
  try {
    const h = host.readText('/proc/sys/kernel/hostname').trim();
    return h === '' ? undefined : h;
  } catch {
    return host.getenv('HOSTNAME');
  }
}

/** Reads and validates a config file; a read failure is returned as the error text. */
export function checkConfigFile(host: Host, file: string): ReturnType<typeof loadConfig> | { readError: string } {
  let text: string;
  try {
    text = host.readText(file);
  } catch (e) {
    return { readError: `${file}: cannot read: ${(e as Error).message}` };
  }
  return loadConfig(text, file, hostnameOpts(host));
}

/** The load options of `run` and `check-config` alike, so both derive the same sensor_id. */
export function hostnameOpts(host: Host): LoadOptions {
  const hostname = systemHostname(host);
  return hostname === undefined ? {} : { hostname };
}

// run() is deliberately not async: qjs exits(1) on a promise rejected before a handler is
// attached, which is what an async run() throwing a UsageError would do to its caller.
export const checkConfigCommand: Command = {
  name_: 'check-config',
  summary_: 'validate a UCI config file (e.g. /etc/config/netledger)',
  run_(host: Host, argv: string[]): Promise<number> {
    return Promise.resolve(checkConfig(host, argv));
  },
};

function checkConfig(host: Host, argv: string[]): number {
  const args = parseArgs(argv, SPECS);
  if (args.options_.help) {
    host.writeStdout(`usage: netledger check-config [--quiet] FILE\n\n${optionHelp(SPECS)}\n`);
    return 0;
  }
  if (args.positional_.length !== 1) throw new UsageError('expects exactly one FILE');
  const file = args.positional_[0];
  const r = checkConfigFile(host, file);
  if ('readError' in r) {
    host.writeStderr(`${r.readError}\n`);
    return 1;
  }
  if (r.errors.length > 0) {
    host.writeStderr(r.errors.map((e) => formatConfigError(e) + '\n').join(''));
    host.writeStderr(`${file}: ${r.errors.length} error${r.errors.length === 1 ? '' : 's'}\n`);
    return 1;
  }
  if (args.options_.quiet) return 0;
  const settings = nonDefaults(r.config);
  let out = `${file}: OK\n`;
  if (settings.length === 0) out += '  all settings are defaults\n';
  const fromHostname = r.config.agent.sensor_id === loadConfig('', file, hostnameOpts(host)).config.agent.sensor_id;
  for (const s of settings) {
    const note = s.section_ === 'agent' && s.option_ === 'sensor_id' && fromHostname ? '   (from the hostname)'
      : s.restart_ ? '   (restart to apply)' : '';
    out += `  ${s.section_}.${s.option_} = ${s.value_}${note}\n`;
  }
  host.writeStdout(out);
  return 0;
}
