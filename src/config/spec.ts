// The building blocks of the config schema: one OptionSpec per option, holding its form,
// default and whether changing it needs a restart (help texts are in ./help). The value type
// of each option is carried in the spec's type parameter, so NetledgerConfig is derived from the
// table itself.
import {
  type Read, type HostPort, good, bad, readBool, readInt, readDuration, readPath, readHostPort,
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
  readonly item?: OptionKind;
  /** Reads the UCI values of the option (one for `option`, several for `list`). */
  read(values: string[], isList: boolean): Read<T>;
  /** The value as UCI text values, for the default config and summaries. */
  show(value: T): string[];
}

export type ValueOf<S> = S extends OptionSpec<infer T> ? T : never;

interface Common {
  restart?: boolean;
}

function scalar<T>(
  kind: OptionKind, form: string, def: T, c: Common, readOne: (s: string) => Read<T>, show: (v: T) => string,
  extra: Partial<OptionSpec<T>> = {},
): OptionSpec<T> {
  return {
    kind,
    form,
    default: def,
    restart: c.restart ?? false,
    ...extra,
    read(values, isList) {
      if (isList) return bad(`takes one value: use 'option', not 'list'`);
      return readOne(values[0]);
    },
    show: (v) => [show(v)],
  };
}

export function str(c: Common & { default: string; check?: (s: string) => Read<string>; form?: string; secret?: boolean }): OptionSpec<string> {
  const check = c.check ?? ((s: string) => good(s));
  return scalar('string', c.form ?? 'text', c.default, c, check, (v) => v, c.secret ? { secret: true } : {});
}

export function int(c: Common & { default: number; min: number; max: number; unit?: string }): OptionSpec<number> {
  const unit = c.unit ?? '';
  return scalar('int', `integer ${c.min}..${c.max}${unit ? ' ' + unit : ''}`, c.default, c,
    (s) => readInt(s, c.min, c.max, unit), (v) => String(v));
}

export function bool(c: Common & { default: boolean }): OptionSpec<boolean> {
  return scalar('bool', 'boolean (1/0, yes/no, on/off, true/false, enabled/disabled)', c.default, c, readBool,
    (v) => (v ? '1' : '0'));
}

export function oneOf<const V extends string>(c: Common & { values: readonly V[]; default: NoInfer<V> }): OptionSpec<V> {
  const read = (s: string): Read<V> =>
    (c.values as readonly string[]).includes(s)
      ? good(s as V)
      : bad(`expected one of ${c.values.map((v) => `'${v}'`).join(', ')}, got '${s}'`);
  return scalar('enum', c.values.join('|'), c.default, c, read, (v) => v, { values: c.values });
}

export function duration(c: Common & { default: number; min: number; max: number }): OptionSpec<number> {
  return scalar('duration', `seconds ${c.min}..${c.max} (or with s/m/h/d)`, c.default, c,
    (s) => readDuration(s, c.min, c.max), (v) => String(v));
}

export function path(c: Common & { default: string; allowDash?: boolean }): OptionSpec<string> {
  return scalar('path', c.allowDash ? "absolute path or '-'" : 'absolute path', c.default, c,
    (s) => readPath(s, c.allowDash ?? false), (v) => v);
}

export function hostport(c: Common & { default: HostPort | null; portOptional?: boolean }): OptionSpec<HostPort | null> {
  const showHp = (v: HostPort | null): string =>
    v === null ? '' : `${v.host.indexOf(':') >= 0 ? `[${v.host}]` : v.host}${v.port === null ? '' : ':' + v.port}`;
  return scalar<HostPort | null>('hostport', c.portOptional ? 'host[:port]' : 'host:port', c.default, c,
    (s) => readHostPort(s, c.portOptional ?? false), showHp);
}

/**
 * A list of items of one form. Given as `list name 'v'` lines; a single `option name 'v'` is
 * also taken as a one-item list, as OpenWrt's config_list_foreach does.
 */
export function list<T>(
  c: Common & { default: T[]; item: OptionSpec<T>; maxItems?: number },
): OptionSpec<T[]> {
  const max = c.maxItems ?? 256;
  return {
    kind: 'list',
    item: c.item.kind,
    form: `list of ${c.item.form}`,
    default: c.default,
    restart: c.restart ?? false,
    read(values) {
      if (values.length > max) return bad(`at most ${max} items, got ${values.length}`);
      const out: T[] = [];
      for (let i = 0; i < values.length; i++) {
        const r = c.item.read([values[i]], false);
        if (!r.ok) return bad(values.length > 1 ? `item ${i + 1}: ${r.message}` : r.message);
        out.push(r.value);
      }
      return good(out);
    },
    show: (v) => v.map((x) => c.item.show(x)[0]),
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
