// `netledger rpcd list | call <method>`: the rpcd exec plugin behind `ubus call netledger ...`
// (installed as /usr/libexec/rpcd/netledger, a shim that execs this). Methods:
//   status        the agent's status file, with whether the agent is alive and the file fresh
//   config_check  /etc/config/netledger validated against the schema
import type { Host } from '../host/types';
import type { Command } from './command';
import { dispatch, type RpcdMethods } from '../ubus/rpcd-plugin';
import { checkConfigFile, CONFIG_FILE, CONFIG_OPTION } from './check-config';
import { SCHEMA, formatConfigError } from '../config/schema';
import { parseStatus, staleAfter, STATUS_FILE } from '../agent/status-file';
import { maxOf } from '../compat/lang';

function readAll(host: Host): string {
  const r = host.openLines('-');
  let text = '';
  try {
    for (let l; (l = r.next()) !== null;) {
      text += l + '\n';
      if (text.length > 65536) throw new Error('arguments larger than 64 KB');
    }
  } finally {
    r.close();
  }
  return text;
}

export function netledgerMethods(host: Host, configFile: string): RpcdMethods {
  return {
    status: {
      args_: {},
      call_() {
        const checked = checkConfigFile(host, configFile);
        // an unreadable config: the default state_dir
        const path = `${typeof checked === 'string' ? SCHEMA.agent.options.state_dir.default : checked.config.agent.state_dir}/${STATUS_FILE}`;
        let text: string;
        try {
          text = host.readText(path);
        } catch {
          return { running: false, reason: `no status file at ${path}: the agent is not running or has not written it yet` };
        }
        const parsed = parseStatus(text);
        if ('error' in parsed) return { running: false, error: `${path}: ${parsed.error}` };
        const s = parsed.status;
        const age = maxOf(0, Math.round(host.now() - s.updated));
        const stale = age > staleAfter(s);
        const alive = host.stat(`/proc/${s.pid}`) !== null;
        return { running: alive && !stale, alive, stale, age, ...s };
      },
    },
    config_check: {
      args_: {},
      call_() {
        const r = checkConfigFile(host, configFile);
        // JSON leaves out the keys whose value is undefined (section, option).
        return typeof r === 'string' ? { file: configFile, ok: false, errors: [{ line: 0, message: r, text: r }] } : {
          file: configFile,
          ok: !r.errors.length,
          errors: r.errors.map((e) => ({ line: e.line_, message: e.message_, text: formatConfigError(e), section: e.section_, option: e.option_ })),
        };
      },
    },
  };
}

export const rpcdCommand: Command = {
  name_: 'rpcd',
  summary_: 'rpcd exec plugin: list | call <method> (behind `ubus call netledger ...`)',
  usage_: 'list | call <method> [--config FILE]',
  options_: CONFIG_OPTION,
  run_(host, args) {
    const r = dispatch(netledgerMethods(host, (args.options_.config as string | undefined) ?? CONFIG_FILE), args.positional_, () => readAll(host));
    host.writeStdout(r.out_);
    return r.code_;
  },
};
