import { runCases } from '../support/engines';
import { cases } from './ndjson-flow.cases';

runCases('test/codec/ndjson-flow.cases.ts', cases, ['lab-basic/conntrack-events.txt', 'lab-basic/nf_conntrack.snapshot']);
