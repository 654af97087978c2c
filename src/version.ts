declare const __NETLEDGER_VERSION__: string;
/** Set by the bundler from package.json; 'dev' when run from source. */
export const VERSION: string = typeof __NETLEDGER_VERSION__ === 'string' ? __NETLEDGER_VERSION__ : 'dev';
