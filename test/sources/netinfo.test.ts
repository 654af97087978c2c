import { runCases } from '../support/engines';
import { cases } from './netinfo.cases';

runCases('test/sources/netinfo.cases.ts', cases);
