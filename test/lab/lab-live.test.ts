import { runCases } from '../support/engines';
import { cases } from './lab-live.cases';

runCases('test/lab/lab-live.cases.ts', cases, ['lab-live/dnsmasq-extra.log']);
