import { runCases } from '../support/engines';
import { cases } from './bypass.cases';

runCases('test/pipeline/bypass.cases.ts', cases);
