import { runCases } from '../support/engines';
import { cases } from './time-merge.cases';
runCases('test/agent/time-merge.cases.ts', cases);
