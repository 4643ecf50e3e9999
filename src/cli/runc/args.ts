// runc's command line, as containerd's shim, CRI and the runtime-tools suite call it: global flags
// (`--root`, `--log`, `--log-format`, ...) before the command, then the command's flags, then its
// arguments. As runc's parser (urfave/cli), flags end at the first argument: what follows an exec's
// ID is the program's own command line. `--flag=value` and `--flag value` both work, and a one-letter
// alias is `-x`. Pure.

export type FlagKind = 'string' | 'boolean' | 'list';

interface FlagSpec {
  readonly name: string;
  readonly kind: FlagKind;
  readonly alias?: string;
}

const s = (name: string, alias?: string): FlagSpec => (alias === undefined ? { name, kind: 'string' } : { name, kind: 'string', alias });
const b = (name: string, alias?: string): FlagSpec => (alias === undefined ? { name, kind: 'boolean' } : { name, kind: 'boolean', alias });
const l = (name: string, alias?: string): FlagSpec => (alias === undefined ? { name, kind: 'list' } : { name, kind: 'list', alias });

export const GLOBAL_FLAGS: readonly FlagSpec[] = [s('root'), s('log'), s('log-format'), b('systemd-cgroup'), b('debug'), s('criu'), s('rootless'), b('help', 'h'), b('version', 'v')];

const CREATE = [s('bundle', 'b'), s('console-socket'), s('pid-file'), b('no-pivot'), b('no-new-keyring'), s('preserve-fds')];

/** Each command, its flags, and how many arguments it takes (`rest`: any number after them). */
export const COMMANDS: Readonly<Record<string, { flags: readonly FlagSpec[]; args: readonly string[]; rest?: string }>> = {
  create: { flags: CREATE, args: ['ID'] },
  run: { flags: [...CREATE, b('detach', 'd'), b('keep')], args: ['ID'] },
  start: { flags: [], args: ['ID'] },
  state: { flags: [], args: ['ID'] },
  kill: { flags: [b('all', 'a')], args: ['ID'], rest: 'SIGNAL' },
  delete: { flags: [b('force', 'f')], args: ['ID'] },
  exec: {
    flags: [s('process', 'p'), b('detach', 'd'), s('pid-file'), s('console-socket'), b('tty', 't'), s('cwd'), l('env', 'e'), s('user', 'u'), l('additional-gids', 'g'), l('cap', 'c'), b('no-new-privs'), s('preserve-fds'), s('process-label'), s('apparmor'), s('cgroup')],
    args: ['ID'],
    rest: 'COMMAND',
  },
  ps: { flags: [s('format', 'f')], args: ['ID'], rest: 'PS_OPTIONS' },
  pause: { flags: [], args: ['ID'] },
  resume: { flags: [], args: ['ID'] },
  list: { flags: [s('format', 'f'), b('quiet', 'q')], args: [] },
  features: { flags: [], args: [] },
  spec: { flags: [s('bundle', 'b'), b('rootless')], args: [] },
  update: { flags: [s('resources', 'r')], args: ['ID'] },
};

export interface ParsedFlags {
  readonly [name: string]: string | boolean | string[] | undefined;
}

export interface RuncCommandLine {
  global: ParsedFlags;
  /** null: no command was given (`--version`, `--help`, or nothing). */
  command: string | null;
  flags: ParsedFlags;
  /** The command's arguments: ID first, then the rest (SIGNAL, an exec's program, ps options). */
  args: string[];
}

/** A command line runc would refuse: the message, and the command it was for (null: the global part). */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command: string | null,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

export function parseRuncArgs(argv: readonly string[]): RuncCommandLine {
  const global = parseFlags(argv, 0, GLOBAL_FLAGS, null);
  const command = argv[global.next] ?? null;
  if (command === null) return { global: global.flags, command: null, flags: {}, args: [] };
  const spec = COMMANDS[command];
  if (spec === undefined) throw new UsageError(`no such command: ${command}`, null);
  const own = parseFlags(argv, global.next + 1, spec.flags, command);
  const args = argv.slice(own.next);
  if (args.length < spec.args.length) throw new UsageError(`${command} needs ${spec.args.join(' ')}`, command);
  if (spec.rest === undefined && args.length > spec.args.length) throw new UsageError(`${command} takes ${spec.args.length === 0 ? 'no arguments' : spec.args.join(' ')}, not "${args.join(' ')}"`, command);
  return { global: global.flags, command, flags: own.flags, args };
}

function parseFlags(argv: readonly string[], from: number, specs: readonly FlagSpec[], command: string | null): { flags: ParsedFlags; next: number } {
  const flags: Record<string, string | boolean | string[]> = {};
  let i = from;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    const eq = arg.indexOf('=');
    const key = (eq === -1 ? arg : arg.slice(0, eq)).replace(/^--?/, '');
    const spec = specs.find((f) => f.name === key || f.alias === key);
    if (spec === undefined) throw new UsageError(`flag provided but not defined: ${arg.slice(0, eq === -1 ? undefined : eq)}`, command);
    if (spec.kind === 'boolean') {
      const value = eq === -1 ? 'true' : arg.slice(eq + 1);
      if (value !== 'true' && value !== 'false') throw new UsageError(`invalid boolean value "${value}" for --${spec.name}`, command);
      flags[spec.name] = value === 'true';
      continue;
    }
    let value: string;
    if (eq !== -1) value = arg.slice(eq + 1);
    else if (i + 1 < argv.length) value = argv[++i]!;
    else throw new UsageError(`flag needs an argument: --${spec.name}`, command);
    if (spec.kind === 'list') flags[spec.name] = [...((flags[spec.name] as string[] | undefined) ?? []), value];
    else flags[spec.name] = value;
  }
  return { flags, next: i };
}
