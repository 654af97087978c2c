import { runCases } from '../support/engines';
import { cases } from './batch.cases';

runCases('test/codec/batch.cases.ts', cases, ['lab-basic/dnsmasq-extra.log']);
