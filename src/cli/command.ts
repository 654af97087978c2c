import type { Host } from '../host/types';

/** One CLI verb. `run` resolves to the process exit code. */
export interface Command {
  name_: string;
  summary_: string;
  run_(host: Host, argv: string[]): Promise<number>;
}
