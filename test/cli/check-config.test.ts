import { runCases } from '../support/engines';
import { cases } from './check-config.cases';

runCases('test/cli/check-config.cases.ts', cases);
