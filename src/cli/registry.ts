// The list of CLI verbs, in the order `--help` shows them.
import type { Command } from './command';

export const commands: Command[] = [];
