// `netledger check-config FILE`: validates a UCI config against the schema, as the agent will
// read it. Prints `FILE: OK` and the settings that differ from the defaults, or every error as
// `FILE:LINE: option 'x': message` and exits 1.
import type { Host } from '../host/types';
import type { Command } from './command';
import { UsageError } from './args';
import { loadConfig, nonDefaults, formatConfigErrors } from '../config/schema';
import { sensorIdFromHostname } from '../config/forms';
import { errorText } from '../compat/lang';

/** The system hostname (for an empty sensor_id), as `run`, `check-config` and rpcd read it. */
function systemHostname(host: Host): string | undefined {
  try {
    return host.readText('/proc/sys/kernel/hostname').trim() || undefined;
  } catch {
    return host.getenv('HOSTNAME');
  }
}

export const CONFIG_FILE = '/etc/config/netledger';
/** The --config option of `run` and `rpcd`. */
export const CONFIG_OPTION = { config: `UCI config file (default ${CONFIG_FILE})` };

/**
 * Reads and validates a config file (its text too, as `text_`), as `run`, `check-config` and
 * rpcd do; a read failure is returned as its error text (a string).
 */
export function checkConfigFile(host: Host, file: string): (ReturnType<typeof loadConfig> & { text_: string }) | string {
  let text: string;
  try {
    text = host.readText(file);
  } catch (e) {
    return `${file}: cannot read: ${errorText(e)}`;
  }
  return { ...loadConfig(text, file, { hostname: systemHostname(host) }), text_: text };
}

export const checkConfigCommand: Command = {
  name_: 'check-config',
  summary_: `validate a UCI config file (e.g. ${CONFIG_FILE})`,
  usage_: '[--quiet] FILE',
  options_: { quiet: '-print nothing when the file is valid' },
  run_(host, args) {
    const [file] = args.positional_;
    if (args.positional_.length !== 1) throw new UsageError('expects exactly one FILE');
    const r = checkConfigFile(host, file);
    if (typeof r === 'string') {
      host.writeStderr(`${r}\n`);
      return 1;
    }
    const n = r.errors.length;
    if (n) {
      host.writeStderr(`${formatConfigErrors(r.errors)}${file}: ${n} error${n === 1 ? '' : 's'}\n`);
      return 1;
    }
    if (args.options_.quiet) return 0;
    const settings = nonDefaults(r.config);
    let out = `${file}: OK\n`;
    if (!settings.length) out += '  all settings are defaults\n';
    const fromHostname = r.config.agent.sensor_id === sensorIdFromHostname(systemHostname(host) ?? '');
    for (const s of settings) {
      const key = `${s.section_}.${s.option_}`;
      out += `  ${key} = ${s.value_}${key === 'agent.sensor_id' && fromHostname ? '   (from the hostname)' : s.restart_ ? '   (restart to apply)' : ''}\n`;
    }
    host.writeStdout(out);
    return 0;
  },
};
