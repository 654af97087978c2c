// The MQTT topic tree: netledger/v1/<sensor>/<stream>, .../status (retained presence) and
// commands in on netledger/v1/<sensor>/cmd/<name> or netledger/v1/all/cmd/<name>.
import { toJson } from '../compat/lang';

export const TOPIC_ROOT = 'netledger/v1';
export const STREAMS = ['dns', 'flow', 'pdns', 'alert', 'health'] as const;
export type StreamName = (typeof STREAMS)[number];
/** The sensor id that addresses every sensor; no sensor may take it. */
export const ALL_SENSORS = 'all';
export const MAX_SENSOR_ID = 64;

/** A character a sensor id may not have (config/forms maps them to '_'). */
export const NOT_ID_CHAR = /[^\w.:-]/g;

/**
 * Why `id` cannot be a sensor id, or null when it can. Letters, digits and `-_.:` only: never a
 * topic separator or wildcard (`/`, `+`, `#`, MQTT-4.7.1), never `all`, 1..64 characters.
 */
export const sensorIdProblem = (id: string): string | null => {
  if (!id) return 'sensor id is empty';
  if (id.length > MAX_SENSOR_ID) return `sensor id longer than ${MAX_SENSOR_ID} characters`;
  if (id === ALL_SENSORS) return `sensor id "${ALL_SENSORS}" is reserved for commands to every sensor`;
  const i = id.search(NOT_ID_CHAR);
  return i < 0 ? null : `sensor id ${toJson(id)} has ${toJson(id[i])} at ${i}: use letters, digits and - _ . : only`;
};

export const checkSensorId = (id: string): string => {
  const p = sensorIdProblem(id);
  if (p) throw new Error(p);
  return id;
};

export const isStream = (s: string): s is StreamName => (STREAMS as readonly string[]).includes(s);

export const streamTopic = (sensor: string, stream: string): string => {
  if (!isStream(stream)) throw new Error(`unknown stream ${toJson(stream)}`);
  return `${TOPIC_ROOT}/${sensor}/${stream}`;
};

export const statusTopic = (sensor: string): string => {
  return `${TOPIC_ROOT}/${sensor}/status`;
};

/** The two filters a sensor subscribes to for commands. */
export const commandFilters = (sensor: string): string[] => {
  return [`${TOPIC_ROOT}/${sensor}/cmd/#`, `${TOPIC_ROOT}/${ALL_SENSORS}/cmd/#`];
};

/**
 * The command name in `topic` when it is a command for `sensor` (or for all), else null.
 * A name is one level of [a-z0-9_-], at most 32 characters; deeper levels are refused.
 */
export const commandName = (sensor: string, topic: string): string | null => {
  // A sensor id never has '/' (sensorIdProblem): the second level is the whole id.
  const m = /^netledger\/v1\/([^/]+)\/cmd\/([a-z0-9_-]{1,32})$/.exec(topic);
  return m && (m[1] === sensor || m[1] === ALL_SENSORS) ? m[2] : null;
};
