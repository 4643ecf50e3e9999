// Docker's management commands, `mydocker container ls`, `mydocker image rm busybox`: each the plain
// command it names (`ps`, `rmi`), the command line rewritten before it is parsed, so both forms
// take the same flags and print the same.
import { MydockerError } from '../errors.js';
import { splitCommand } from './argv.js';

const SAME = (names: string[]): Record<string, string> => Object.fromEntries(names.map((n) => [n, n]));

export const MANAGEMENT: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  container: {
    ...SAME(['attach', 'commit', 'cp', 'create', 'diff', 'exec', 'export', 'inspect', 'kill', 'logs', 'pause', 'port', 'prune', 'rename', 'restart', 'rm', 'run', 'start', 'stats', 'stop', 'top', 'unpause', 'update', 'wait']),
    ls: 'ps',
    list: 'ps',
    ps: 'ps',
  },
  image: {
    ...SAME(['build', 'history', 'import', 'inspect', 'load', 'pull', 'push', 'save', 'tag']),
    ls: 'images',
    list: 'images',
    rm: 'rmi',
  },
};

/** The command line with `container X`/`image X` replaced by the command X stands for; others as given. */
export function resolveManagement(argv: readonly string[]): readonly string[] {
  const { globals, command, rest } = splitCommand(argv);
  const table = command === undefined ? undefined : MANAGEMENT[command];
  if (table === undefined) return argv;
  const sub = rest[0];
  // `container --help`: cac's help of the listing entry (cli.ts), with the forms it takes.
  if (sub === '--help' || sub === '-h') return argv;
  if (sub === undefined || !Object.hasOwn(table, sub)) {
    throw new MydockerError(sub === undefined || sub.startsWith('-') ? `'mydocker ${command}' needs a command` : `'${command} ${sub}' is not a mydocker command`, {
      exitCode: 1,
      hint: `mydocker ${command} ${Object.keys(table).sort().join('|')}`,
    });
  }
  return [...globals, table[sub]!, ...rest.slice(1)];
}
