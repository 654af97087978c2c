import { runCases } from '../support/engines';
import { cases } from './growth.cases';

runCases('test/pipeline/growth.cases.ts', cases);
