// The rpcd exec-plugin protocol (openwrt/rpcd plugin.c), our side of it:
//   <plugin> list           -> stdout: {"<method>": {"<arg>": <type example>, ...}, ...}
//   <plugin> call <method>  -> stdin: the call's arguments as a JSON object;
//                              stdout: one JSON object, which becomes the ubus reply.
// rpcd runs every plugin's `list` once at start (and after SIGHUP), names the ubus object after
// the file, and turns each example value's JSON type into a blobmsg policy: a string is a string,
// true a bool, 8/16/32/64 an int of that width, {} a table, [] an array. A reply that is not a
// JSON object becomes UBUS_STATUS_INVALID_ARGUMENT (without a message) and the exit code is
// ignored, so failures are replied as {"error": "..."} objects that callers can show.
// rpcd reads at most 256 KB of reply; larger replies are refused here with an error instead.
import { isArray, toJson, isInteger, keysOf, isRecord, errorText } from '../compat/lang';

export type RpcdArgType = 'string' | 'bool' | 'int32' | 'int64' | 'table' | 'array';

/**
 * One method: its argument signature and its handler (which may throw; see dispatch).
 * Handlers are synchronous on purpose: qjs exits(1) when a promise is rejected before a
 * handler is attached (its default unhandled-rejection tracker), which is exactly what an
 * async handler that throws early does to an `await` caller.
 */
export interface RpcdMethod {
  args_: Record<string, RpcdArgType>;
  call_(args: Record<string, unknown>): object;
}

export type RpcdMethods = Record<string, RpcdMethod>;

export const MAX_REPLY = 262144; // 256 KiB

/**
 * Per type: the example value `list` shows rpcd, and the check of a call's value (by default:
 * the example's typeof).
 */
const TYPES: Record<RpcdArgType, [unknown, ((v: unknown) => boolean)?]> = {
  string: ['str'],
  bool: [true],
  int32: [32, (v) => isInteger(v) && (v as number) >= -2147483648 && (v as number) <= 2147483647],
  int64: [64, isInteger],
  table: [{}, isRecord],
  array: [[], isArray],
};

/** The `list` reply: method names with their argument signatures. */
export const listMethods = (methods: RpcdMethods): Record<string, Record<string, unknown>> => {
  const out: Record<string, Record<string, unknown>> = {};
  for (const name of keysOf(methods)) {
    const sig: Record<string, unknown> = (out[name] = {});
    for (const [arg, type] of Object.entries(methods[name].args_)) sig[arg] = TYPES[type][0];
  }
  return out;
};

/** Checks a call's JSON input against the signature: the arguments, or what is wrong (a string). */
export const readCallArgs = (method: RpcdMethod, input: string): Record<string, unknown> | string => {
  const text = input.trim();
  let v: unknown = {};
  try {
    if (text) v = JSON.parse(text);
  } catch {
    return 'arguments are not valid JSON';
  }
  if (!isRecord(v)) return 'arguments must be a JSON object';
  for (const k of keysOf(v)) {
    // Unknown arguments are refused.
    if (!Object.hasOwn(method.args_, k)) return `unknown argument '${k}'`;
    const type = method.args_[k];
    const [example, valid = (x: unknown) => typeof x === typeof example] = TYPES[type];
    if (!valid(v[k])) return `argument '${k}' must be of type ${type}`;
  }
  return v;
};

export interface RpcdOutcome {
  /** The JSON text to print (one object and a newline). */
  out_: string;
  /** 0 on success, 1 when the reply is an {error} object, 2 for a usage error. */
  code_: number;
}

const reply = (obj: object, code: number): RpcdOutcome => {
  const text = toJson(obj);
  if (text.length > MAX_REPLY) return reply({ error: `reply of ${text.length} bytes exceeds rpcd's ${MAX_REPLY}` }, 1);
  return { out_: text + '\n', code_: code };
};

const failed = (error: string): RpcdOutcome => reply({ error }, 1);

/** Runs one plugin invocation: argv is what rpcd passes (`list` or `call <method>`). */
export const dispatch = (methods: RpcdMethods, argv: string[], readInput: () => string): RpcdOutcome => {
  const [verb, name] = argv;
  if (verb === 'list' && argv.length === 1) return reply(listMethods(methods), 0);
  if (verb !== 'call' || argv.length !== 2) return reply({ error: 'usage: list | call <method> (arguments as JSON on stdin)' }, 2);
  if (!Object.hasOwn(methods, name)) return failed(`unknown method '${name}'`);
  // What a throw failed at: reading stdin, then the method (or its reply).
  let stage = 'cannot read arguments';
  try {
    const args = readCallArgs(methods[name], readInput());
    if (typeof args === 'string') return failed(args);
    stage = name;
    const result = methods[name].call_(args);
    return isRecord(result) ? reply(result, 'error' in result ? 1 : 0) : failed(`method '${name}' did not return an object`);
  } catch (e) {
    return failed(`${stage}: ${errorText(e)}`);
  }
};
