import { runCases } from '../support/engines';
import { cases } from './uci.cases';

runCases('test/config/uci.cases.ts', cases);
