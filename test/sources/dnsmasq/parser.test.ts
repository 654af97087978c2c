import { runCases } from '../../support/engines';
import { cases, FIXTURES } from './parser.cases';

runCases('test/sources/dnsmasq/parser.cases.ts', cases, FIXTURES);
