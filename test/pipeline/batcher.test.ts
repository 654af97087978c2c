import { runCases } from '../support/engines';
import { cases } from './batcher.cases';

runCases('test/pipeline/batcher.cases.ts', cases);
