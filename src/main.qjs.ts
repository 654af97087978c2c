// Entry point on the router: `qjs netledger.js <command> ...`.
import { createQuickJsHost } from './host/quickjs';
import { runCli } from './cli/main';

const host = createQuickJsHost();
runCli(host).then(
  (code) => host.exit(code),
  (e) => {
    host.writeStderr(`netledger: fatal: ${e}\n`);
    host.exit(70);
  },
);
