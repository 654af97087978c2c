import { runCases } from '../support/engines';
import { cases } from './ndjson.cases';

runCases('test/codec/ndjson.cases.ts', cases, []);
