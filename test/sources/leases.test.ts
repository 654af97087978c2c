import { runCases } from '../support/engines';
import { cases } from './leases.cases';

runCases('test/sources/leases.cases.ts', cases, ['lab-basic/dhcp.leases']);
