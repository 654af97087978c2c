// The list of CLI verbs, in the order `--help` shows them.
import type { Command } from './command';
import { decodeCommand } from './decode';

export const commands: Command[] = [
  decodeCommand,
];
