// `debug` replaced by a no-op for bundles (CommonJS, because its callers call require('debug')
// directly): logging goes through the agent's own channels.
module.exports = function createDebug() {
  const f = function () {};
  f.enabled = false;
  return f;
};
