import { runCases } from '../support/engines';
import { cases } from './rpcd.cases';

runCases('test/cli/rpcd.cases.ts', cases);
