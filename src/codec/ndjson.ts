// NDJSON, the human and test rendering of events (docs/events.md): one JSON object per line,
// keys in the order the event was built (`"type"` first). Names from logs are attacker-
// controlled: JSON.stringify escapes quotes, backslashes and control characters, and (ES2019
// well-formed stringify, which qjs implements) lone surrogates as \udXXX, so a line stays one
// valid JSON line whatever the input was.
import type { NetEvent } from '../events';

/** One event as one line of JSON, without the trailing newline. */
export function encodeNdjson(ev: NetEvent): string {
  return JSON.stringify(ev);
}
