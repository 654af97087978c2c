import { runCases } from '../../support/engines';
import { cases } from './parse.cases';

runCases('test/sources/conntrack/parse.cases.ts', cases, ['lab-basic/conntrack-events.txt', 'lab-basic/conntrack-list.txt', 'lab-basic/nf_conntrack.snapshot']);
