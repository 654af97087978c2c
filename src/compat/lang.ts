// Short local names for the builtins the cold paths call everywhere: each call site in the qjs
// bundle is ~10 bytes shorter than `Array.isArray(` or `JSON.stringify(` (issue 4).
export const isArray = Array.isArray;
export const isInteger = Number.isInteger;
export const toJson = JSON.stringify;
export const keysOf = Object.keys;
