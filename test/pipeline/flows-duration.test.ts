import { runCases } from '../support/engines';
import { cases } from './flows-duration.cases';

runCases('test/pipeline/flows-duration.cases.ts', cases, []);
