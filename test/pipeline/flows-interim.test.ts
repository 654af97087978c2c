import { runCases } from '../support/engines';
import { cases } from './flows-interim.cases';

runCases('test/pipeline/flows-interim.cases.ts', cases, []);
