// A minimal Node `process` for bundled dependencies measured or shipped under qjs: nextTick on
// the microtask queue, an empty env, and nothing that touches the platform (the Host does that).
export const env: Record<string, string | undefined> = {};
export const argv: string[] = [];
export const version = '';
export const versions: Record<string, string> = {};
export const platform = 'linux';
export const browser = true;

export function nextTick(fn: (...args: unknown[]) => void, ...args: unknown[]): void {
  Promise.resolve().then(() => fn(...args));
}

export default { env, argv, version, versions, platform, browser, nextTick };
