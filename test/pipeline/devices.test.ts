import { runCases } from '../support/engines';
import { cases } from './devices.cases';

runCases('test/pipeline/devices.cases.ts', cases, ['lab-basic/dhcp.leases']);
