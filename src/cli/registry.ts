// The list of CLI verbs, in the order `--help` shows them.
import type { Command } from './command';
import { replayCommand } from './replay';
import { runCommand } from './run';
import { decodeCommand } from './decode';
import { checkConfigCommand } from './check-config';
import { rpcdCommand } from './rpcd';

export const commands: Command[] = [
  runCommand,
  replayCommand,
  decodeCommand,
  checkConfigCommand,
  rpcdCommand,
];
