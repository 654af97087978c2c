// Event schema v1, the public contract (docs/events.md, mirrored from the shared schema).
// Absent fields mean unknown: never fill a value the sources did not give.

export interface DnsAnswer {
  name: string;
  type: string;
  data: string | null;
}

export interface DnsEvent {
  type: 'dns';
  ts: number;
  sensor: string;
  client?: string;
  client_port?: number;
  mac?: string;
  hostname?: string;
  qname: string;
  qtype: string;
  source?: 'forwarded' | 'cached' | 'stale' | 'config' | 'hosts' | 'dhcp' | 'local';
  upstream?: string;
  rcode?: string;
  answers: DnsAnswer[];
  blocked?: boolean;
  dnssec?: 'SECURE' | 'INSECURE' | 'BOGUS' | 'ABANDONED';
  id?: number;
  complete?: boolean;
}

export interface FlowEvent {
  type: 'flow';
  ts: number;
  sensor: string;
  end?: number;
  duration?: number;
  proto: string;
  orig_h: string;
  orig_p?: number;
  resp_h: string;
  resp_p?: number;
  nat_h?: string;
  nat_p?: number;
  orig_bytes?: number;
  orig_pkts?: number;
  resp_bytes?: number;
  resp_pkts?: number;
  state?: string;
  assured?: boolean;
  ct_id?: number;
  mac?: string;
  hostname?: string;
  name?: string;
  direct?: boolean;
  final?: boolean;
  /** Optional (added in v1): 'lan' | 'router' | 'inbound' | 'transit' — who opened the flow. */
  dir?: string;
  mark?: number;
  zone?: number;
}

export interface PdnsEvent {
  type: 'pdns';
  ts: number;
  sensor: string;
  rrname: string;
  rrtype: string;
  rdata: string[];
  time_first: number;
  time_last: number;
  count: number;
  sensor_id: string;
  bailiwick?: string;
}

export interface AlertEvent {
  type: 'alert';
  ts: number;
  sensor: string;
  kind: string;
  client?: string;
  mac?: string;
  hostname?: string;
  indicator?: string;
  match?: string;
  source_ref?: string;
  event?: DnsEvent | FlowEvent;
}

export interface HealthEvent {
  type: 'health';
  ts: number;
  sensor: string;
  uptime?: number;
  mem_total?: number;
  mem_available?: number;
  load1?: number;
  ct_count?: number;
  ct_max?: number;
  procs?: number;
  agent_rss?: number;
  children_rss?: number;
  budget?: number;
  watched?: Record<string, number>;
  spool_bytes?: number;
  counters?: Record<string, number>;
  dropped?: Record<string, number>;
}

export interface StatusEvent {
  type: 'status';
  ts: number;
  sensor: string;
  state: 'online' | 'offline';
  version?: string;
  started?: number;
  config_hash?: string;
  capabilities?: string[];
}

export type NetEvent = DnsEvent | FlowEvent | PdnsEvent | AlertEvent | HealthEvent | StatusEvent;
export type EventType = NetEvent['type'];

/** Where events go next; every pipeline stage and sink takes events through this. */
export interface EventSink {
  emit(event: NetEvent): void;
}
