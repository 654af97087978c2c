import { runCases } from '../support/engines';
import { cases } from './cidr.cases';

runCases('test/pipeline/cidr.cases.ts', cases);
