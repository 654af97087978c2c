// Our own ubus helper: runs the `ubus` CLI (openwrt/ubus cli.c) with an argv, never a shell.
//   ubus -S -t <s> call <path> <method> [<json>]
// -S prints the reply as one compact JSON line — and also silences the CLI's own error text
// ("Command failed: ..."), so the error is rebuilt from the exit status, which is the ubus status
// code (libubus.h enum ubus_msg_status); 255 is the CLI's -1 (cannot connect, bad message JSON).
// A call that outlives timeoutMs is killed; ubus also gets -t so it gives up on its own first.
import { HostError, type Host, type Child } from '../host/types';
import { rejectLater } from '../reject-later';
import { toJson, maxOf, errorText } from '../compat/lang';

/** By ubus status code, 1..13. */
const STATUS_TEXT = (
  ',Invalid command,Invalid argument,Method not found,Not found,No response,Permission denied,Request timed out,' +
  'Operation not supported,Unknown error,Connection failed,Out of memory,Parsing message data failed,System error'
).split(',');

export class UbusError extends Error {
  /** ubus status code when the CLI returned one */
  declare readonly status?: number;

  constructor(message: string, status?: number) {
    super(message);
    this.name = 'UbusError';
    (this as { status?: number }).status = status;
  }
}

export interface UbusClientDeps {
  host_: Host;
  /** path or name of the ubus CLI; default 'ubus' (searched in PATH) */
  bin_?: string;
  /** default 5000 */
  timeoutMs_?: number;
  /** largest reply accepted, bytes; default 1 MiB */
  maxReply_?: number;
}

export interface UbusClient {
  /** The method's reply (parsed JSON), or null when it replied with no data. Rejects with UbusError. */
  call_(path: string, method: string, args?: object): Promise<unknown>;
}

/** `new UbusClient(deps)`: a function returning its object (shorter in the bundle than a class). */
export const UbusClient = function ({ host_: host, bin_: bin = 'ubus', timeoutMs_: timeoutMs = 5000, maxReply_: maxReply = 1 << 20 }: UbusClientDeps): UbusClient {
  return {
    call_(path, method, args) {
      const what = `ubus call ${path} ${method}`;
      const argv = [bin, '-S', '-t', String(maxOf(1, Math.ceil(timeoutMs / 1000))), 'call', path, method];
      if (args !== undefined) argv.push(toJson(args));
      let child: Child;
      try {
        child = host.spawn(argv, { stdout: 'lines', stderr: 'lines', maxLine: maxReply });
      } catch (e) {
        const missing = e instanceof HostError && e.errno === 2;
        // Rejected a moment later: the caller has no handler yet, and qjs exits on such a rejection.
        return rejectLater(new UbusError(missing ? `${what}: ${bin} not found (is this OpenWrt?)` : `${what}: cannot run ${bin}: ${errorText(e)}`));
      }
      return new Promise((resolve, reject) => {
        const out: string[] = [];
        const err: string[] = [];
        let size = 0;
        let tooBig = false;
        let timedOut = false;
        child.onLine((line, truncated) => {
          size += line.length + 1;
          if (truncated || size > maxReply) tooBig = true;
          else out.push(line);
        });
        child.onStderrLine((line) => {
          if (err.length < 5) err.push(line);
        });
        const timer = host.setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, timeoutMs);
        const fail = (text: string, status?: number): void => reject(new UbusError(`${what}: ${text}`, status));
        child.onExit((status) => {
          host.clearTimer(timer);
          const code = status.code;
          if (timedOut) return fail(`no reply within ${timeoutMs} ms (killed)`);
          if (code !== 0) {
            const text =
              code === null ? `killed by signal ${status.signal}`
              : STATUS_TEXT[code] ? `Command failed: ${STATUS_TEXT[code]}`
              : code === 255 ? 'cannot connect to ubusd or bad message'
              : `exit status ${code}`;
            return fail(text + (err.length ? ` (${err.join('; ')})` : ''), code !== null && code < 255 ? code : undefined);
          }
          if (tooBig) return fail(`reply larger than ${maxReply} bytes`);
          const text = out.join('\n').trim();
          if (text === '') return resolve(null);
          try {
            resolve(JSON.parse(text));
          } catch {
            fail(`reply is not JSON: ${text.slice(0, 80)}`);
          }
        });
      });
    },
  };
} as unknown as new (deps: UbusClientDeps) => UbusClient;
