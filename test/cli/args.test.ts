import { runCases } from '../support/engines';
import { cases } from './args.cases';

runCases('test/cli/args.cases.ts', cases);
