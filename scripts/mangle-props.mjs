// The property-mangling convention of the qjs bundle, shared by scripts/build.mjs and whatever
// else bundles for qjs the same way (test bundles, benches).
// A property name ending in ONE underscore (`state_`, not `__proto__` nor `x__`) is internal: a
// TypeScript `private` member or a key of a module-internal object. esbuild gives such names short
// names in the qjs bundle. Never give the suffix to a name that reaches JSON (events, status.json,
// ubus replies, config keys), to the Host interface or std/os methods, or to anything read from
// outside the bundle. Quoted names ('x_', obj['x_']) are NOT mangled: spell internal names unquoted.
export const mangleProps = /[^_]_$/;
export const mangleOptions = { mangleProps, mangleQuoted: false };
