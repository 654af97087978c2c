// The building blocks of the config schema: one OptionSpec per option, holding its default,
// its reader and whether changing it needs a restart. What the docs say of it (its kind and
// form, its help text) is derived in ./help from `doc_`, out of the agent bundle. The value type
// of each option is carried in the spec's type parameter, so NetledgerConfig is derived from the
// table itself.
import {
  type Read, type HostPort, good, bad, expected, readBool, readInt, readDuration, readPath, readHostPort,
} from './forms';

/** The builder and its settings, for ./help to describe the option (kind, form, choices). */
export type OptionDoc =
  | ['string'] | ['int', number, number, string] | ['bool'] | ['enum', readonly string[]] | ['duration', number, number]
  | ['path', boolean] | ['hostport', boolean] | ['list', OptionSpec<unknown>];

export interface OptionSpec<T> {
  readonly default: T;
  /** true: takes effect only after a restart; else applied on reload (SIGHUP). */
  readonly restart?: boolean;
  /** Never printed by check-config or status (passwords). */
  readonly secret?: boolean;
  readonly doc_: OptionDoc;
  /** Reads the UCI values of the option (one for `option`, several for `list`). */
  read_(values: string[], isList: boolean): Read<T>;
  /** The value as UCI text values, for the default config and summaries. */
  show(value: T): string[];
}

export type ValueOf<S> = S extends OptionSpec<infer T> ? T : never;

// The builders take their settings in order, as the schema table reads: int(default, min, max,
// unit), duration(default, min, max), path(default = '', allowDash), str(check, default = ''),
// bool(default = true), oneOf(values, default), list(default, item, maxItems). restart() and
// secret() mark a spec.

/**
 * An option of one value, read by `read` given the text and the settings that follow the kind in
 * `doc_` (so int(16, 1, 256) reads with readInt(text, 1, 256, '')).
 */
function scalar<T>(doc_: OptionDoc, def: T, read: (s: string, a?: any, b?: any, c?: any) => Read<T>, show: (v: T) => string = String): OptionSpec<T> {
  return {
    doc_,
    default: def,
    read_: (values, isList) => isList ? bad(`takes one value: use 'option', not 'list'`) : read(values[0], doc_[1], doc_[2], doc_[3]),
    show: (v) => [show(v)],
  };
}

/** The option takes effect only after a restart. */
export function restart<T>(spec: OptionSpec<T>): OptionSpec<T> {
  (spec as { restart?: boolean }).restart = true;
  return spec;
}

/** The option's value is never printed (passwords). */
export function secret<T>(spec: OptionSpec<T>): OptionSpec<T> {
  (spec as { secret?: boolean }).secret = true;
  return spec;
}

/** Text; `check` may refuse some (./help says in a few words what it takes). */
export const str = (check: (s: string) => Read<string> = good, def = ''): OptionSpec<string> => scalar(['string'], def, check);

export const int = (def: number, min: number, max: number, unit = ''): OptionSpec<number> => scalar(['int', min, max, unit], def, readInt);

export const bool = (def = true): OptionSpec<boolean> => scalar(['bool'], def, readBool, (v) => (v ? '1' : '0'));

export const oneOf = <const V extends string>(values: readonly V[], def: NoInfer<V>): OptionSpec<V> =>
  scalar(['enum', values], def, (s: string) =>
    (values as readonly string[]).includes(s) ? good(s as V) : expected(`one of ${values.map((v) => `'${v}'`).join(', ')}`, s));

export const duration = (def: number, min: number, max: number): OptionSpec<number> => scalar(['duration', min, max], def, readDuration);

export const path = (def = '', allowDash = false): OptionSpec<string> => scalar(['path', allowDash], def, readPath);

export function hostport(def: HostPort | null, portOptional = false): OptionSpec<HostPort | null> {
  const showHp = (v: HostPort | null): string =>
    v === null ? '' : `${v.host.indexOf(':') >= 0 ? `[${v.host}]` : v.host}${v.port === null ? '' : ':' + v.port}`;
  return scalar<HostPort | null>(['hostport', portOptional], def, readHostPort, showHp);
}

/**
 * A list of items of one form. Given as `list name 'v'` lines; a single `option name 'v'` is
 * also taken as a one-item list, as OpenWrt's config_list_foreach does.
 */
export function list<T>(def: T[], item: OptionSpec<T>, maxItems = 256): OptionSpec<T[]> {
  return {
    doc_: ['list', item as OptionSpec<unknown>],
    default: def,
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

/** A section type's options (the name the default config gives a section is in ./help). */
export interface SectionSpec<O extends Record<string, OptionSpec<unknown>>> {
  readonly options: O;
}

/** The schema table: each section type's options wrapped as its SectionSpec (in place). */
export function sections<const T extends Record<string, Record<string, OptionSpec<any>>>>(table: T): { [S in keyof T]: SectionSpec<T[S]> } {
  for (const k in table) (table as Record<string, unknown>)[k] = { options: table[k] };
  return table as unknown as { [S in keyof T]: SectionSpec<T[S]> };
}
