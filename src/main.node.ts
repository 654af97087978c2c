// Entry point for development: `node dist/netledger.node.mjs <command> ...`.
import { createNodeHost } from './host/node';
import { runCli } from './cli/main';

const host = createNodeHost();
runCli(host).then(
  (code) => host.exit(code),
  (e) => {
    host.writeStderr(`netledger: fatal: ${e}\n`);
    host.exit(70);
  },
);
