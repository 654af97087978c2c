import { runCases } from '../support/engines';
import { cases } from './net-learn.cases';

runCases('test/agent/net-learn.cases.ts', cases);
