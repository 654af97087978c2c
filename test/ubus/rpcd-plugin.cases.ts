import type { Cases } from '../support/cases';
import { eq, deepEq } from '../support/check';
import { dispatch, listMethods, readCallArgs, MAX_REPLY, type RpcdMethods } from '../../src/ubus/rpcd-plugin';

const methods: RpcdMethods = {
  echo: {
    args_: { name: 'string', count: 'int32', big: 'int64', flag: 'bool', opts: 'table', items: 'array' },
    call_: (a) => ({ got: a }),
  },
  fails: { args_: {}, call_: () => { throw new Error('disk on fire'); } },
  notObject: { args_: {}, call_: () => [1, 2] as unknown as object },
  huge: { args_: {}, call_: () => ({ blob: 'x'.repeat(MAX_REPLY) }) },
  soft: { args_: {}, call_: () => ({ error: 'nothing to report' }) },
};

const run = (argv: string[], input = ''): { out_: string; code_: number } => dispatch(methods, argv, () => input);

/** [what, input JSON, expected error or null] for echo's signature */
const ARGS: [string, string, string | null][] = [
  ['empty input is no arguments', '', null],
  ['an empty object', '{}', null],
  ['all types right', '{"name":"a","count":-5,"big":8589934592,"flag":false,"opts":{},"items":[1]}', null],
  ['not JSON', '{name:', 'arguments are not valid JSON'],
  ['an array', '[1]', 'arguments must be a JSON object'],
  ['null', 'null', 'arguments must be a JSON object'],
  ['unknown argument', '{"nam":"a"}', "unknown argument 'nam'"],
  ['string expected', '{"name":1}', "argument 'name' must be of type string"],
  ['int32 range', '{"count":2147483648}', "argument 'count' must be of type int32"],
  ['int not float', '{"count":1.5}', "argument 'count' must be of type int32"],
  ['bool expected', '{"flag":"yes"}', "argument 'flag' must be of type bool"],
  ['table expected', '{"opts":[]}', "argument 'opts' must be of type table"],
  ['array expected', '{"items":{}}', "argument 'items' must be of type array"],
  ['prototype keys are just unknown', '{"__proto__":{"x":1}}', "unknown argument '__proto__'"],
];

export const cases: Cases = {
  'list gives each method with type examples rpcd turns into blobmsg policies': () => {
    deepEq(listMethods(methods).echo, { name: 'str', count: 32, big: 64, flag: true, opts: {}, items: [] });
    deepEq(listMethods({ status: { args_: {}, call_: () => ({}) } }), { status: {} });
  },

  'call arguments are checked against the signature': () => {
    for (const [what, input, want] of ARGS) {
      const r = readCallArgs(methods.echo, input);
      eq(typeof r === 'string' ? r : null, want, what);
    }
  },

  'dispatch: list and call print one JSON object; failures are {error} objects': () => {
    const list = run(['list']);
    eq(list.code_, 0);
    deepEq(Object.keys(JSON.parse(list.out_)), Object.keys(methods));
    eq(list.out_.endsWith('}\n'), true, 'one line');
    deepEq(run(['call', 'echo'], '{"name":"x"}'), { out_: '{"got":{"name":"x"}}\n', code_: 0 });
    deepEq(run(['call', 'echo'], '{"name":1}'), { out_: '{"error":"argument \'name\' must be of type string"}\n', code_: 1 });
    deepEq(run(['call', 'nope']), { out_: '{"error":"unknown method \'nope\'"}\n', code_: 1 });
    deepEq(run(['call', 'toString']), { out_: '{"error":"unknown method \'toString\'"}\n', code_: 1 });
    deepEq(run(['call', 'fails']), { out_: '{"error":"fails: disk on fire"}\n', code_: 1 });
    deepEq(run(['call', 'notObject']), { out_: '{"error":"method \'notObject\' did not return an object"}\n', code_: 1 });
    eq(JSON.parse((run(['call', 'huge'])).out_).error.startsWith('reply of '), true, 'over 256 KB refused');
    deepEq(run(['call', 'soft']), { out_: '{"error":"nothing to report"}\n', code_: 1 });
  },

  'dispatch: usage errors': () => {
    const usage = '{"error":"usage: list | call <method> (arguments as JSON on stdin)"}\n';
    for (const argv of [[], ['call'], ['list', 'x'], ['call', 'echo', 'extra'], ['show']]) {
      deepEq(run(argv), { out_: usage, code_: 2 }, argv.join(' '));
    }
  },

  'stdin is read only for calls, and a read failure is an error reply': () => {
    let reads = 0;
    dispatch(methods, ['list'], () => { reads++; return ''; });
    eq(reads, 0, 'list does not read stdin');
    const r = dispatch(methods, ['call', 'echo'], () => { throw new Error('EIO'); });
    deepEq(r, { out_: '{"error":"cannot read arguments: EIO"}\n', code_: 1 });
  },
};
