import { runCases } from '../support/engines';
import { cases } from './cbor.cases';

runCases('test/codec/cbor.cases.ts', cases);
