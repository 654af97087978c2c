import { runCases } from '../support/engines';
import { cases, FIXTURES } from './flow-order.cases';
runCases('test/agent/flow-order.cases.ts', cases, FIXTURES);
