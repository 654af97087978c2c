import { runCases } from '../support/engines';
import { cases } from './join.cases';

runCases('test/pipeline/join.cases.ts', cases);
