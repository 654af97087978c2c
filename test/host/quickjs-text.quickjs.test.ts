import { runCasesQjsOnly } from '../support/engines';

runCasesQjsOnly('test/host/quickjs-text.quickjs.cases.ts');
