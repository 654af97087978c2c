import { runCases } from '../support/engines';
import { cases, FIXTURES } from './transactions.cases';

runCases('test/pipeline/transactions.cases.ts', cases, FIXTURES);
