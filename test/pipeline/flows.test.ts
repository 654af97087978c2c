import { runCases } from '../support/engines';
import { cases } from './flows.cases';

runCases('test/pipeline/flows.cases.ts', cases, ['lab-basic/conntrack-events.txt', 'lab-basic/conntrack-list.txt', 'lab-basic/nf_conntrack.snapshot']);
