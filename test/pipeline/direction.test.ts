import { runCases } from '../support/engines';
import { cases } from './direction.cases';

runCases('test/pipeline/direction.cases.ts', cases);
