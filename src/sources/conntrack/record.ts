// One conntrack entry as printed by `conntrack -E -o timestamp,extended,id` (an event),
// `conntrack -L -o extended,id` or /proc/net/nf_conntrack (a SNAPSHOT line).
// Flat on purpose: one object shape per line keeps the qjs hot path cheap. Numbers that
// the line did not carry are ABSENT (-1) rather than undefined, so the shape never changes.

export const ABSENT = -1;

export type CtKind = 'NEW' | 'UPDATE' | 'DESTROY' | 'SNAPSHOT';

export interface CtRecord {
  kind: CtKind;
  /** Event time, epoch seconds (from the `[sec.usec]` prefix); ABSENT on list and /proc lines. */
  ts: number;
  /** 4 or 6; 0 when the line named no family and the address did not tell. */
  family: number;
  /** 'tcp', 'udp', 'icmp', 'icmpv6', 'sctp', ... as printed; 'unknown' for unnamed protocols. */
  protoName: string;
  protoNum: number;
  /** Protocol state (TCP, SCTP, DCCP), '' when the protocol has none. */
  state: string;
  /** Seconds until expiry; ABSENT when not printed (events without it, offloaded /proc entries). */
  timeout: number;

  // Original tuple, as the initiator sent it. IPv6 is in compressed RFC 5952 form.
  src: string;
  dst: string;
  /** Ports for tcp/udp/sctp/dccp/udplite; GRE keys (srckey/dstkey) for gre; else ABSENT. */
  sport: number;
  dport: number;
  /** ICMP/ICMPv6 type, code and id of the original tuple; ABSENT for other protocols. */
  icmpType: number;
  icmpCode: number;
  icmpId: number;

  // Reply tuple: under source NAT rdst/rdport is the translated source; under DNAT rsrc/rsport
  // is the host that really answers.
  rsrc: string;
  rdst: string;
  rsport: number;
  rdport: number;

  /** Accounting (nf_conntrack_acct): present on DESTROY events, list and /proc lines. */
  origPkts: number;
  origBytes: number;
  replyPkts: number;
  replyBytes: number;

  unreplied: boolean;
  assured: boolean;
  offload: boolean;
  hwOffload: boolean;

  mark: number;
  zone: number;
  /** Conntrack id (`-o id`); /proc does not print it. */
  id: number;
  /** Seconds since the flow started (to its end on DESTROY), when nf_conntrack_timestamp is on. */
  deltaTime: number;
  /**
   * An UPDATE or DESTROY read without its tuples (src..rdport empty/ABSENT) because the caller
   * said it already holds the flow (parseConntrackEvent's `holds`): only id, state, flags and
   * mark; a DESTROY also its time and counters.
   */
  partial: boolean;
}

export function emptyRecord(kind: CtKind): CtRecord {
  var r = resetForParse({} as CtRecord, kind);
  clearTuples(r);
  r.protoName = '';
  r.protoNum = ABSENT;
  return r;
}

/**
 * Clears a record for reuse (cheaper in qjs than a new 30-field object: ~2k vs ~7k
 * instructions), without the fields a parse that succeeds always sets: the protocol (both header
 * readers) and the ports and addresses of both tuples (tuplesFast). Whoever reads the tuples
 * another way, or not at all, calls clearTuples first. ~2k instructions less per line in qjs.
 */
export function resetForParse(r: CtRecord, kind: CtKind): CtRecord {
  r.kind = kind;
  r.ts = ABSENT;
  r.family = 0;
  r.state = '';
  r.timeout = ABSENT;
  r.icmpType = ABSENT;
  r.icmpCode = ABSENT;
  r.icmpId = ABSENT;
  r.origPkts = ABSENT;
  r.origBytes = ABSENT;
  r.replyPkts = ABSENT;
  r.replyBytes = ABSENT;
  r.unreplied = false;
  r.assured = false;
  r.offload = false;
  r.hwOffload = false;
  r.mark = ABSENT;
  r.zone = ABSENT;
  r.id = ABSENT;
  r.deltaTime = ABSENT;
  r.partial = false;
  return r;
}

/** The tuple fields resetForParse leaves as they were. */
export function clearTuples(r: CtRecord): void {
  r.src = '';
  r.dst = '';
  r.sport = ABSENT;
  r.dport = ABSENT;
  r.rsrc = '';
  r.rdst = '';
  r.rsport = ABSENT;
  r.rdport = ABSENT;
}

/** Protocols whose tuples carry ports (`sport=`/`dport=` in both printers). */
export function hasPorts(protoNum: number): boolean {
  return protoNum === 6 || protoNum === 17 || protoNum === 132 || protoNum === 33 || protoNum === 136;
}

export function isIcmp(protoNum: number): boolean {
  return protoNum === 1 || protoNum === 58; // icmp, ipv6-icmp
}
