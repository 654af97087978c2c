import type { Cases } from '../support/cases';
import { eq, deepEq, throws, seeded } from '../support/check';
import { parseArgs, optionHelp, num, UsageError, type OptionSpecs } from '../../src/cli/args';
import { commands } from '../../src/cli/registry';

const SPECS: OptionSpecs = { file: 'a file', quiet: '-say less', lan: '+a prefix, repeatable' };

export const cases: Cases = {
  'values, flags and repeatable options; --x=v; -- ends the options': () => {
    const a = parseArgs(['in', '--file', 'f1', '--quiet', '--lan=a', '-', '--lan', 'b', '--file=f2', '--', '--quiet', 'x'], SPECS);
    deepEq(a.options_, { file: 'f2', quiet: true, lan: ['a', 'b'] });
    deepEq(a.positional_, ['in', '-', '--quiet', 'x']);
    deepEq(parseArgs(['--file='], SPECS).options_, { file: '' });
    deepEq(parseArgs(['--file', '--quiet'], SPECS).options_, { file: '--quiet' }, 'a value may look like an option');
  },

  'usage errors name the option': () => {
    const cases: [string[], string][] = [
      [['--nope'], 'unknown option --nope'],
      [['--constructor'], 'unknown option --constructor'],
      [['--__proto__=1'], 'unknown option --__proto__'],
      [['--quiet=1'], 'option --quiet takes no value'],
      [['--file'], 'option --file needs a value'],
      [['x', '--lan'], 'option --lan needs a value'],
    ];
    for (const [argv, msg] of cases) {
      let got = '';
      try {
        parseArgs(argv, SPECS);
      } catch (e) {
        if (e instanceof UsageError) got = `${e.name}: ${e.message}`;
      }
      eq(got, `UsageError: ${msg}`, argv.join(' '));
    }
  },

  'num reads numbers and refuses the rest': () => {
    const a = parseArgs(['--file', '12.5', '--lan', '1'], SPECS);
    eq(num(a, 'file'), 12.5);
    eq(num(a, 'quiet'), undefined);
    throws(() => num(parseArgs(['--file', 'ten'], SPECS), 'file'), 'option --file: not a number: ten');
    throws(() => num(parseArgs(['--file', 'Infinity'], SPECS), 'file'), 'not a number');
  },

  'optionHelp: one line per option, VALUE for those that take one, the kind prefix left out': () => {
    eq(optionHelp(SPECS), [
      '  --file VALUE              a file',
      '  --quiet                   say less',
      '  --lan VALUE               a prefix, repeatable',
    ].join('\n'));
  },

  'never throws anything but a UsageError (seeded fuzz)': () => {
    const rnd = seeded(11);
    const words = ['--file', '--quiet', '--lan', '--', '-', '--x', '--file=', '--quiet=', '=', 'v', '--lan=v', '---', '--toString'];
    for (let i = 0; i < 2000; i++) {
      const argv = Array.from({ length: Math.floor(rnd() * 6) }, () => words[Math.floor(rnd() * words.length)]);
      try {
        const a = parseArgs(argv, SPECS);
        for (const [k, v] of Object.entries(a.options_)) {
          const kind = SPECS[k][0];
          eq(kind === '-' ? v === true : kind === '+' ? Array.isArray(v) : typeof v === 'string', true, `${argv.join(' ')}: ${k}`);
        }
      } catch (e) {
        eq(e instanceof UsageError, true, `${argv.join(' ')}: ${String(e)}`);
      }
    }
  },

  'the public CLI shapes: every command, option and kind (value, -flag, +repeatable), each with a help text': () => {
    const shapes = Object.fromEntries(commands.map((c) => [c.name_,
      Object.entries(c.options_).map(([name, help]) => {
        eq(help.replace(/^[-+]/, '').length > 5, true, `${c.name_} --${name}: help text`);
        return (help[0] === '-' || help[0] === '+' ? help[0] : '') + name;
      }).join(' ')]));
    deepEq(shapes, {
      run: 'config',
      replay: 'dnsmasq conntrack proc-snapshot leases sensor config year utc-offset +router +lan ioc mqtt ca-file cert-file ' +
        'key-file username password spool-dir spool-max attempts',
      decode: '-hex -dedupe -quiet',
      'check-config': '-quiet',
      rpcd: 'config',
    });
  },
};
