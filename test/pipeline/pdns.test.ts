import { runCases } from '../support/engines';
import { cases } from './pdns.cases';

runCases('test/pipeline/pdns.cases.ts', cases);
