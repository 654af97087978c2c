// What the conntrack stage harnesses (conntrack-stages.ts, flow-table.ts) share: their two
// arguments, a qjs host, counters and the pipeline options of a bench sensor.
import { createQuickJsHost } from '../../src/host/quickjs';
import { Counters } from '../../src/counters';
import { defaultConfig } from '../../src/config/schema';
import { pipelineOptions } from '../../src/agent/options';

declare const scriptArgs: string[];

export function benchSetup(lanPrefixes: string[], maxFlows?: number) {
  const [mode, file] = scriptArgs.slice(1);
  const config = defaultConfig({ hostname: 'bench' });
  config.agent.sensor_id = 'b';
  if (maxFlows !== undefined) config.conntrack.max_flows = maxFlows;
  const options = pipelineOptions(config, { routerAddrs: [], lanPrefixes });
  options.join.warmupSec = 0;
  return { mode, file, host: createQuickJsHost(), counters: new Counters(), options };
}
