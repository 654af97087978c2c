import { runCases } from '../../support/engines';
import { cases } from './proc-poll.cases';

runCases('test/sources/conntrack/proc-poll.cases.ts', cases, ['lab-basic/nf_conntrack.snapshot', 'lab-basic/conntrack-list.txt', 'lab-basic/conntrack-events.txt']);
