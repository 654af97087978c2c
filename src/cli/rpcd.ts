// `netledger rpcd list | call <method>`: the rpcd exec plugin behind `ubus call netledger ...`
// (installed as /usr/libexec/rpcd/netledger, a shim that execs this). Methods:
//   status        the agent's status file, with whether the agent is alive and the file fresh
//   config_check  /etc/config/netledger validated against the schema
import type { Host } from '../host/types';
import type { Command } from './command';
import { parseArgs, str, valueOption } from './args';
import { dispatch, type RpcdMethods } from '../ubus/rpcd-plugin';
import { checkConfigFile } from './check-config';
import { defaultConfig, formatConfigError } from '../config/schema';
import { parseStatus, staleAfter, STATUS_FILE } from '../agent/status-file';
import { maxOf } from '../compat/lang';

export const DEFAULT_CONFIG = '/etc/config/netledger';

function readAll(host: Host): string {
  const r = host.openLines('-');
  const lines: string[] = [];
  let total = 0;
  try {
    for (let l = r.next(); l !== null; l = r.next()) {
      total += l.length + 1;
      if (total > 65536) throw new Error('arguments larger than 64 KB');
      lines.push(l);
    }
  } finally {
    r.close();
  }
  return lines.join('\n');
}

export function netledgerMethods(host: Host, configFile: string): RpcdMethods {
  return {
    status: {
      args_: {},
      call_() {
        const checked = checkConfigFile(host, configFile);
        const config = 'readError' in checked ? defaultConfig() : checked.config;
        const path = `${config.agent.state_dir}/${STATUS_FILE}`;
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
        if ('readError' in r) return { file: configFile, ok: false, errors: [{ line: 0, message: r.readError, text: r.readError }] };
        return {
          file: configFile,
          ok: r.errors.length === 0,
          errors: r.errors.map((e) => {
            const o: Record<string, unknown> = { line: e.line_, message: e.message_, text: formatConfigError(e) };
            if (e.section_ !== undefined) o.section = e.section_;
            if (e.option_ !== undefined) o.option = e.option_;
            return o;
          }),
        };
      },
    },
  };
}

export const rpcdCommand: Command = {
  name_: 'rpcd',
  summary_: 'rpcd exec plugin: list | call <method> (behind `ubus call netledger ...`)',
  // Not async: a sync throw reaches runCli's try/catch (see check-config.ts on qjs rejections).
  run_(host: Host, argv: string[]): Promise<number> {
    const args = parseArgs(argv, { config: valueOption(`config file (default ${DEFAULT_CONFIG})`) });
    const methods = netledgerMethods(host, str(args, 'config') ?? DEFAULT_CONFIG);
    const r = dispatch(methods, args.positional_, () => readAll(host));
    host.writeStdout(r.out_);
    return Promise.resolve(r.code_);
  },
};
