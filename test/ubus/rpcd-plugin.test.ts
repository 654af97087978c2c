import { runCases } from '../support/engines';
import { cases } from './rpcd-plugin.cases';

runCases('test/ubus/rpcd-plugin.cases.ts', cases);
