import { runCases } from '../support/engines';
import { cases } from './shipper.cases';

runCases('test/transport/shipper.cases.ts', cases);
