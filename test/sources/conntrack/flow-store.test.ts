import { runCases } from '../../support/engines';
import { cases } from './flow-store.cases';

runCases('test/sources/conntrack/flow-store.cases.ts', cases);
