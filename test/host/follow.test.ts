import { runCases } from '../support/engines';
import { cases } from './follow.cases';

runCases('test/host/follow.cases.ts', cases);
