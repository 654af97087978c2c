// The building blocks of the config schema: one OptionSpec per option, holding its form,
// default and whether changing it needs a restart (help texts are in ./help). The value type
// of each option is carried in the spec's type parameter, so NetledgerConfig is derived from the
// table itself.
import {
  type Read, type HostPort, good, bad, expected, BOOL_FORM, readBool, readInt, readDuration, readPath, readHostPort,
} from './forms';

export type OptionKind = 'string' | 'int' | 'bool' | 'enum' | 'list' | 'hostport' | 'path' | 'duration';

export interface OptionSpec<T> {
  readonly kind: OptionKind;
  readonly default: T;
  /** true: takes effect only after a restart; false: applied on reload (SIGHUP). */
  readonly restart: boolean;
  /** The accepted form in a few words, for docs and errors. */
  readonly form: string;
  /** Enum choices (also used by the LuCI view and docs). */
  readonly values?: readonly string[];
  /** Never printed by check-config or status (passwords). */
  readonly secret?: boolean;
  /** For list options: the kind of each item. */
  readonly item_?: OptionKind;
  /** Reads the UCI values of the option (one for `option`, several for `list`). */
  read_(values: string[], isList: boolean): Read<T>;
  /** The value as UCI text values, for the default config and summaries. */
  show(value: T): string[];
}

export type ValueOf<S> = S extends OptionSpec<infer T> ? T : never;

// The builders take their settings in order, as the schema table reads: int(default, min, max,
// unit), duration(default, min, max), path(default, allowDash), str(default, check, form),
// oneOf(values, default), list(default, item, maxItems). restart() and secret() mark a spec.

function scalar<T>(
  kind: OptionKind, form: string, def: T, readOne: (s: string) => Read<T>, show: (v: T) => string = String,
  extra: Partial<OptionSpec<T>> = {},
): OptionSpec<T> {
  return {
    kind,
    form,
    default: def,
    restart: false,
    ...extra,
    read_(values, isList) {
      if (isList) return bad(`takes one value: use 'option', not 'list'`);
      return readOne(values[0]);
    },
    show: (v) => [show(v)],
  };
}

/** The option takes effect only after a restart. */
export function restart<T>(spec: OptionSpec<T>): OptionSpec<T> {
  (spec as { restart: boolean }).restart = true;
  return spec;
}

/** The option's value is never printed (passwords). */
export function secret<T>(spec: OptionSpec<T>): OptionSpec<T> {
  (spec as { secret?: boolean }).secret = true;
  return spec;
}

export function str(def: string, check: (s: string) => Read<string> = good, form = 'text'): OptionSpec<string> {
  return scalar('string', form, def, check);
}

export function int(def: number, min: number, max: number, unit = ''): OptionSpec<number> {
  return scalar('int', `integer ${min}..${max}${unit ? ' ' + unit : ''}`, def, (s) => readInt(s, min, max, unit));
}

export function bool(def: boolean): OptionSpec<boolean> {
  return scalar('bool', BOOL_FORM, def, readBool, (v) => (v ? '1' : '0'));
}

export function oneOf<const V extends string>(values: readonly V[], def: NoInfer<V>): OptionSpec<V> {
  const read = (s: string): Read<V> =>
    (values as readonly string[]).includes(s)
      ? good(s as V)
      : expected(`one of ${values.map((v) => `'${v}'`).join(', ')}`, s);
  return scalar('enum', values.join('|'), def, read, String, { values });
}

export function duration(def: number, min: number, max: number): OptionSpec<number> {
  return scalar('duration', `seconds ${min}..${max} (or with s/m/h/d)`, def, (s) => readDuration(s, min, max));
}

export function path(def: string, allowDash = false): OptionSpec<string> {
  return scalar('path', allowDash ? "absolute path or '-'" : 'absolute path', def, (s) => readPath(s, allowDash));
}

export function hostport(def: HostPort | null, portOptional = false): OptionSpec<HostPort | null> {
  const showHp = (v: HostPort | null): string =>
    v === null ? '' : `${v.host.indexOf(':') >= 0 ? `[${v.host}]` : v.host}${v.port === null ? '' : ':' + v.port}`;
  return scalar<HostPort | null>('hostport', portOptional ? 'host[:port]' : 'host:port', def,
    (s) => readHostPort(s, portOptional), showHp);
}

/**
 * A list of items of one form. Given as `list name 'v'` lines; a single `option name 'v'` is
 * also taken as a one-item list, as OpenWrt's config_list_foreach does.
 */
export function list<T>(def: T[], item: OptionSpec<T>, maxItems = 256): OptionSpec<T[]> {
  return {
    kind: 'list',
    item_: item.kind,
    form: `list of ${item.form}`,
    default: def,
    restart: false,
    read_(values) {
      if (values.length > maxItems) return bad(`at most ${maxItems} items, got ${values.length}`);
      const out: T[] = [];
      for (let i = 0; i < values.length; i++) {
        const r = item.read_([values[i]], false);
        if (!r.ok_) return bad(values.length > 1 ? `item ${i + 1}: ${r.message_}` : r.message_);
        out.push(r.value_);
      }
      return good(out);
    },
    show: (v) => v.map((x) => item.show(x)[0]),
  };
}

export interface SectionSpec<O extends Record<string, OptionSpec<unknown>>> {
  /** The name the default config gives it (`config <type> '<name>'`); any name is accepted. */
  readonly name: string;
  readonly options: O;
}

export function section<const O extends Record<string, OptionSpec<any>>>(name: string, options: O): SectionSpec<O> {
  return { name, options };
}
