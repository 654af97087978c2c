// `netledger run --config FILE`: the live agent, as procd starts it. Runs until SIGTERM/SIGINT;
// SIGHUP re-reads leases, reopens the output file and reloads indicator feeds.
import type { Command } from './command';
import { formatConfigError, formatConfigErrors, restartNeeded, type NetledgerConfig } from '../config/schema';
import { Agent } from '../agent/agent';
import { summaryLine } from '../agent/summary';
import { checkConfigFile, CONFIG_FILE, CONFIG_OPTION } from './check-config';
import { errorText } from '../compat/lang';

/** FNV-1a of the config text: lets a collector see which config produced a sensor's events. */
function hashText(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

const LEVELS = ['error', 'warn', 'info', 'debug'];

export const runCommand: Command = {
  name_: 'run',
  summary_: 'run the agent live, as the UCI config says',
  usage_: '[--config FILE]',
  options_: CONFIG_OPTION,
  async run_(host, args) {
    await null; // a throw before the first await would kill qjs (see src/reject-later.ts)
    const file = (args.options_.config as string | undefined) ?? CONFIG_FILE;
    /** The config file read and checked; a read failure is thrown. */
    const read = (): Exclude<ReturnType<typeof checkConfigFile>, string> => {
      const r = checkConfigFile(host, file);
      if (typeof r == 'string') throw new Error(r);
      return r;
    };
    let { config, errors, text_: text } = read();
    if (errors.length) {
      host.writeStderr(`${formatConfigErrors(errors)}netledger run: ${errors.length} error(s) in ${file}; not starting\n`);
      return 1;
    }
    if (!config.agent.enabled) {
      host.writeStderr(`netledger run: disabled in ${file} (agent.enabled 0)\n`);
      return 0;
    }
    let max = 0; // the running config's log level (a reload may change it)
    const log = (level: 'error' | 'warn' | 'info' | 'debug', msg: string): void => {
      if (LEVELS.indexOf(level) <= max) host.writeStderr(`netledger: ${level}: ${msg}\n`);
    };
    let agent!: Agent;
    const start = (c: NetledgerConfig, t: string): void => {
      config = c;
      text = t;
      max = LEVELS.indexOf(c.agent.log_level);
      agent = new Agent({ host_: host, config_: c, configFile_: file, configHash_: hashText(t), log_: log });
      agent.start_();
    };
    start(config, text);
    // SIGHUP (procd's reload): re-read the config. A config with errors is refused and the
    // running agent keeps going; a valid one replaces it — the old agent stops cleanly (open
    // transactions and flows are emitted, batches stay in the spool) and a new one starts.
    let reloading = false;
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        agent.stop_().then(resolve, (e) => {
          log('error', `stop: ${errorText(e)}`);
          resolve();
        });
      };
      host.onSignal('SIGTERM', stop);
      host.onSignal('SIGINT', stop);
      host.onSignal('SIGHUP', async () => {
        await null;
        if (reloading) return;
        reloading = true;
        try {
          const next = read();
          if (next.text_ === text) {
            agent.reopen_(); // same config: reopen the output, re-read leases and feeds
            return;
          }
          const n = next.errors.length;
          if (n) {
            for (const e of next.errors) log('error', formatConfigError(e));
            log('error', `reload refused: ${n} error(s) in ${file}; keeping the running config`);
            return;
          }
          log('info', `reload: ${file} changed${restartNeeded(config, next.config).length ? ' (restart-only options too)' : ''}; restarting the pipeline`);
          await agent.stop_();
          start(next.config, next.text_);
        } catch (e) {
          log('error', `reload: ${errorText(e)}`);
        } finally {
          reloading = false;
        }
      });
    });
    host.writeStderr(summaryLine('run', agent.counters_) + '\n');
    return 0;
  },
};
