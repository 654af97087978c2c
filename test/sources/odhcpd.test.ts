import { runCases } from '../support/engines';
import { cases } from './odhcpd.cases';

runCases('test/sources/odhcpd.cases.ts', cases, ['ubus/dhcp-ipv6leases.json']);
