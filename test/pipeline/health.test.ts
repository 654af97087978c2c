import { runCases } from '../support/engines';
import { cases, PROC_FILES } from './health.cases';

runCases('test/pipeline/health.cases.ts', cases, PROC_FILES);
