import { runCases } from './support/engines';
import { cases } from './counters.cases';

runCases('test/counters.cases.ts', cases);
