// Small event factories for the pipeline tests, fields in schema order.
import type { DnsEvent, FlowEvent } from '../../src/events';

export function fakeDns(over: Partial<DnsEvent> = {}): DnsEvent {
  return {
    type: 'dns', ts: 1000, sensor: 's1', client: '192.0.2.10', client_port: 5353,
    qname: 'www.shop.test', qtype: 'A', source: 'forwarded', rcode: 'NOERROR',
    answers: [{ name: 'www.shop.test', type: 'A', data: '198.51.100.80' }],
    ...over,
  };
}

export function fakeFlow(over: Partial<FlowEvent> = {}): FlowEvent {
  return {
    type: 'flow', ts: 1001, sensor: 's1', proto: 'tcp',
    orig_h: '192.0.2.10', orig_p: 40000, resp_h: '198.51.100.80', resp_p: 443,
    state: 'ESTABLISHED', ct_id: 7,
    ...over,
  };
}
