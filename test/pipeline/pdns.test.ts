import { runCases } from '../support/engines';
import { cases, FIXTURES } from './pdns.cases';

runCases('test/pipeline/pdns.cases.ts', cases, FIXTURES);
