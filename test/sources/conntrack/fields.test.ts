import { runCases } from '../../support/engines';
import { cases } from './fields.cases';

runCases('test/sources/conntrack/fields.cases.ts', cases);
