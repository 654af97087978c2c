import { runCases } from '../support/engines';
import { cases } from './ioc-feed.cases';

runCases('test/sources/ioc-feed.cases.ts', cases);
