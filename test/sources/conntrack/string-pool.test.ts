import { runCases } from '../../support/engines';
import { cases } from './string-pool.cases';

runCases('test/sources/conntrack/string-pool.cases.ts', cases);
