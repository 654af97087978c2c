// The CLI's front door: picks the command and turns every failure into a message and an exit code.
import type { Host } from '../host/types';
import { invoke } from './command';
import { UsageError } from './args';
import { VERSION } from '../version';
import { commands } from './registry';

function usage(): string {
  const lines = commands.map((c) => `  ${c.name_.padEnd(14)}${c.summary_}`);
  return `netledger ${VERSION} — network logging agent for OpenWrt\n\nusage: netledger <command> [options]\n\ncommands:\n${lines.join('\n')}\n  version       print the version\n\n'netledger <command> --help' shows a command's options.\n`;
}

export async function runCli(host: Host): Promise<number> {
  await null; // a throw before the first await would end qjs (src/reject-later.ts)
  const [name, ...rest] = host.args;
  if ([undefined, '--help', '-h', 'help'].includes(name)) {
    host.writeStdout(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === 'version' || name === '--version') {
    host.writeStdout(`netledger ${VERSION} (${host.name})\n`);
    return 0;
  }
  const cmd = commands.find((c) => c.name_ === name);
  if (!cmd) {
    host.writeStderr(`netledger: unknown command '${name}'\n${usage()}`);
    return 2;
  }
  try {
    return await invoke(host, cmd, rest);
  } catch (e) {
    // A usage error exits 2 with its message; anything else exits 1 (with the stack when asked).
    const isUsage = e instanceof UsageError;
    const stack = !isUsage && host.getenv('NETLEDGER_DEBUG') && (e as Error)?.stack;
    host.writeStderr(`netledger ${name}: ${(e as Error)?.message || e}\n${stack ? stack + '\n' : ''}`);
    return isUsage ? 2 : 1;
  }
}
