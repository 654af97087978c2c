import { runCasesQjsOnly } from '../support/engines';

runCasesQjsOnly('test/host/contract.quickjs.cases.ts');
