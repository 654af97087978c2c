import { runCases } from '../../support/engines';
import { cases } from './packet.cases';

runCases('test/transport/mqtt/packet.cases.ts', cases);
