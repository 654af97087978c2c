// One understood line of dnsmasq's query log (--log-queries, with or without =extra).
// The parser (parser.ts) turns lines into these; the transaction assembler
// (pipeline/transactions.ts) turns them into `dns` events. Field values are the log's own
// text, never guessed: names are attacker-controlled and kept as-is (bounded in length).

/**
 * What a line says:
 * - query:      `query[A] NAME from CLIENT` (also `auth[A]` for authoritative zones)
 * - forwarded:  `forwarded NAME to UPSTREAM[#port]`
 * - answer:     `SOURCE NAME is DATA` with an address, `<CNAME>`, `<MX>`-style placeholder,
 *               TXT text or (reverse) a host name
 * - nxdomain:   `SOURCE NAME is NXDOMAIN`
 * - nodata:     `SOURCE NAME is NODATA[-IPv4|-IPv6]`
 * - rcode:      `reply error is SERVFAIL|REFUSED|FORMERR|not implemented|<n>[ (EDE: ...)]`,
 *               `config error is REFUSED` (nowhere to forward), `config NAME is not implemented`
 * - validation: `validation NAME is SECURE|INSECURE|BOGUS|ABANDONED|TRUNCATED[ (EDE: ...)]`
 * - dnssec:     the resolver's own DNSSEC work for a query: `dnssec-query[DS] NAME to UP`,
 *               `dnssec-retry[..]`, `reply NAME is DNSKEY keytag ..`, `.. is DS for keytag ..`,
 *               `.. is BOGUS DNSKEY|BOGUS DS|no DS|no DS/cut|SERVFAIL` (never an answer)
 * - duplicate:  `reply query is duplicate` (extra mode: this query rode on an earlier one)
 * - truncated:  `reply [NAME ]is truncated` (the answer was sent with TC set)
 */
export type DnsLogKind =
  | 'query'
  | 'forwarded'
  | 'answer'
  | 'nxdomain'
  | 'nodata'
  | 'rcode'
  | 'validation'
  | 'dnssec'
  | 'duplicate'
  | 'truncated';

/** Who produced an answer line: the first word of the message. */
export type AnswerOrigin = 'reply' | 'cached' | 'stale' | 'config' | 'hosts' | 'dhcp' | 'auth';

export interface DnsLogRecord {
  /** epoch seconds (UTC) of the log line */
  ts: number;
  /** dnsmasq's process id: TCP queries are served by forked children with their own pid */
  pid: number;
  /** the extra-mode serial ("display id"); -1 in classic mode (plain --log-queries) */
  serial: number;
  /** asking host: `CLIENT/port` prefix in extra mode, `from CLIENT` of a query line in both */
  client?: string;
  clientPort?: number;
  kind: DnsLogKind;
  /**
   * query/forwarded: the question name; answers: the record's owner name as logged (for a
   * reverse answer that is the address, see `reverse`); '' where the line carries none.
   */
  name: string;
  /** query: mnemonic (`A`, `HTTPS`) or `TYPE<n>` for `query[type=N]` */
  qtype?: string;
  /** query answered by dnsmasq's authoritative zone (`auth[A]`) */
  auth?: boolean;
  /** forwarded / dnssec queries: `ip` or `ip#port` as logged */
  upstream?: string;
  /** answers, negatives and rcode lines */
  origin?: AnswerOrigin;
  /** origin 'hosts': the hosts file path as logged */
  hostsFile?: string;
  /** answer: record type (`A`, `AAAA`, `CNAME`, `PTR`, `TXT`, `MX`, `TYPE<n>`) */
  rtype?: string;
  /** answer: address, text or host name; null for `<CNAME>` / `<MX>`-style placeholders. nodata: 'IPv4' | 'IPv6' | null */
  data?: string | null;
  /** answer: the line's NAME is an address and DATA the host name (a PTR answer) */
  reverse?: boolean;
  /** rcode: NOERROR-style mnemonic (`SERVFAIL`, `REFUSED`, `FORMERR`, `NOTIMP`, `RCODE<n>`) */
  rcode?: string;
  /** extended DNS error text from `(EDE: ...)` */
  ede?: string;
  /** validation: SECURE / INSECURE / BOGUS / ABANDONED / TRUNCATED */
  status?: string;
  /** extra mode appends ` (DNSSEC signed)` to validated answers */
  signed?: boolean;
  /** `--log-queries=proto` prefix: true for TCP, false for UDP, absent when not logged */
  tcp?: boolean;
}

/** A record with every field present (so all records share one shape in the engine). */
export function blankRecord(kind: DnsLogKind): DnsLogRecord {
  return {
    ts: 0, pid: 0, serial: -1, client: undefined, clientPort: undefined, kind, name: '', qtype: undefined,
    auth: undefined, upstream: undefined, origin: undefined, hostsFile: undefined, rtype: undefined,
    data: undefined, reverse: undefined, rcode: undefined, ede: undefined, status: undefined,
    signed: undefined, tcp: undefined,
  };
}

/** A copy that outlives the parser's next call (records returned by parse() are reused). */
export function copyRecord(rec: DnsLogRecord): DnsLogRecord {
  const out = {} as Record<string, unknown>;
  for (const [k, v] of Object.entries(rec)) if (v !== undefined) out[k] = v;
  return out as unknown as DnsLogRecord;
}

/** Longest name kept from a line; DNS names are at most 253 octets, escapes aside. */
export const MAX_NAME = 1024;
/** Longest line looked at: dnsmasq builds messages in a 1024-byte buffer, framing adds ~80. */
export const MAX_LINE = 4096;
