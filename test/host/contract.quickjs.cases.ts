// The host contract, bound to the QuickJS host: only qjs can load this module.
import { contractCases } from './contract.cases';
import { createQuickJsHost } from '../../src/host/quickjs';

export const cases = contractCases(createQuickJsHost());
