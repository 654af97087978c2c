import { runCases } from '../support/engines';
import { cases } from './ioc.cases';

runCases('test/pipeline/ioc.cases.ts', cases);
