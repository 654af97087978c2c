import { runCases } from '../support/engines';
import { cases } from './flows-large.cases';

runCases('test/pipeline/flows-large.cases.ts', cases);
