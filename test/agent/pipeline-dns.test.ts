import { runCases } from '../support/engines';
import { cases, FIXTURES } from './pipeline-dns.cases';
runCases('test/agent/pipeline-dns.cases.ts', cases, FIXTURES);
