import type { Host } from '../host/types';

/** One CLI verb. `run` resolves to the process exit code. */
export interface Command {
  name: string;
  summary: string;
  run(host: Host, argv: string[]): Promise<number>;
}
