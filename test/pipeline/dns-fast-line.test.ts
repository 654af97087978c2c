import { runCases } from '../support/engines';
import { cases, FIXTURES } from './dns-fast-line.cases';

runCases('test/pipeline/dns-fast-line.cases.ts', cases, FIXTURES);
