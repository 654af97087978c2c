import { runCases } from '../support/engines';
import { cases } from './schema.cases';

runCases('test/config/schema.cases.ts', cases);
