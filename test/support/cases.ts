// A module of engine-neutral test cases: `export const cases: Cases = { 'name': () => {...} }`.
// test/support/engines.ts runs such a module under Node (node:test) and under real qjs.
// Cases may be async. Fixture text is passed in by the runner, since qjs tests cannot read
// files through Node: use `fixture(name)` which both runners provide.

export type Case = (ctx: CaseContext) => void | Promise<void>;
export type Cases = Record<string, Case>;

export interface CaseContext {
  /** Text of test/fixtures/<path>, read by the runner before the cases start. */
  fixture(path: string): string;
}
