import { runCases } from '../../support/engines';
import { cases, FIXTURES } from './log-format.cases';

runCases('test/sources/dnsmasq/log-format.cases.ts', cases, FIXTURES);
