// `netledger run --config FILE`: the live agent, as procd starts it. Runs until SIGTERM/SIGINT;
// SIGHUP re-reads leases, reopens the output file and reloads indicator feeds.
import type { Host } from '../host/types';
import type { Command } from './command';
import type { OptionSpecs } from './args';
import { parseArgs, optionHelp, str, HELP_OPTION, valueOption } from './args';
import { loadConfig, formatConfigError, restartNeeded } from '../config/schema';
import { Agent } from '../agent/agent';
import { summaryLine } from '../agent/summary';
import { hostnameOpts } from './check-config';

const SPECS: OptionSpecs = {
  config: valueOption('UCI config file (default /etc/config/netledger)'),
  help: HELP_OPTION,
};

/** FNV-1a of the config text: lets a collector see which config produced a sensor's events. */
function hashText(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

export const runCommand: Command = {
  name_: 'run',
  summary_: 'run the agent live, as the UCI config says',
  async run_(host: Host, argv: string[]): Promise<number> {
    await null; // a throw before the first await would kill qjs (see src/reject-later.ts)
    const args = parseArgs(argv, SPECS);
    if (args.options_.help) {
      host.writeStdout(`usage: netledger run [--config FILE]\n\n${optionHelp(SPECS)}\n`);
      return 0;
    }
    const file = str(args, 'config') ?? '/etc/config/netledger';
    const text = host.readText(file);
    const { config, errors } = loadConfig(text, file, hostnameOpts(host));
    if (errors.length) {
      for (const e of errors) host.writeStderr(formatConfigError(e) + '\n');
      host.writeStderr(`netledger run: ${errors.length} error(s) in ${file}; not starting\n`);
      return 1;
    }
    if (!config.agent.enabled) {
      host.writeStderr(`netledger run: disabled in ${file} (agent.enabled 0)\n`);
      return 0;
    }
    const levels = ['error', 'warn', 'info', 'debug'];
    const max = levels.indexOf(config.agent.log_level);
    const log = (level: 'error' | 'warn' | 'info' | 'debug', msg: string): void => {
      if (levels.indexOf(level) <= max) host.writeStderr(`netledger: ${level}: ${msg}\n`);
    };
    // SIGHUP (procd's reload): re-read the config. A config with errors is refused and the
    // running agent keeps going; a valid one replaces it — the old agent stops cleanly (open
    // transactions and flows are emitted, batches stay in the spool) and a new one starts.
    let current = { config, text };
    let agent = new Agent({ host_: host, config_: config, configFile_: file, configHash_: hashText(text), log_: log });
    agent.start_();
    let reloading = false;
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        agent.stop_().then(resolve, (e) => {
          log('error', `stop: ${(e as Error).message}`);
          resolve();
        });
      };
      const reload = async (): Promise<void> => {
        await null;
        if (reloading) return;
        reloading = true;
        try {
          const nextText = host.readText(file);
          if (nextText === current.text) {
            agent.reopen_(); // same config: reopen the output, re-read leases and feeds
            return;
          }
          const next = loadConfig(nextText, file, hostnameOpts(host));
          if (next.errors.length) {
            for (const e of next.errors) log('error', formatConfigError(e));
            log('error', `reload refused: ${next.errors.length} error(s) in ${file}; keeping the running config`);
            return;
          }
          log('info', `reload: ${file} changed${restartNeeded(current.config, next.config).length ? ' (restart-only options too)' : ''}; restarting the pipeline`);
          const previous = agent;
          await previous.stop_();
          current = { config: next.config, text: nextText };
          agent = new Agent({ host_: host, config_: next.config, configFile_: file, configHash_: hashText(nextText), log_: log });
          agent.start_();
        } catch (e) {
          log('error', `reload: ${(e as Error).message}`);
        } finally {
          reloading = false;
        }
      };
      host.onSignal('SIGTERM', stop);
      host.onSignal('SIGINT', stop);
      host.onSignal('SIGHUP', () => {
        reload().catch((e) => log('error', `reload: ${(e as Error).message}`));
      });
    });
    host.writeStderr(summaryLine('run', agent.counters_) + '\n');
    return 0;
  },
};
