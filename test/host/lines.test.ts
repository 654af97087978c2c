import { runCases } from '../support/engines';
import { cases } from './lines.cases';

runCases('test/host/lines.cases.ts', cases);
