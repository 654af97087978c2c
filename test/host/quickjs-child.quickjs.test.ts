import { runCasesQjsOnly } from '../support/engines';

runCasesQjsOnly('test/host/quickjs-child.quickjs.cases.ts');
