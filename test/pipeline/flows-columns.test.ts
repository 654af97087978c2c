import { runCases } from '../support/engines';
import { cases } from './flows-columns.cases';

runCases('test/pipeline/flows-columns.cases.ts', cases, []);
