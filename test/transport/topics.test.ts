import { runCases } from '../support/engines';
import { cases } from './topics.cases';

runCases('test/transport/topics.cases.ts', cases);
