// What every mydocker program shares, whatever commands it holds: the full CLI (cli.ts) and the
// small one the launcher starts for `ps` (ps-cli.ts). Parses with cac, runs the matched command's
// module, prints any failure as one line and exits with Docker's codes (125 when mydocker fails).
// Both programs are built by the same code from the same command definitions, so a command line
// the small one takes gets the same output, errors and exit code as from the full one.
import { cac, type CAC, type Command } from 'cac';
import { CP_FLAGS, CREATE_FLAGS, EXEC_FLAGS, GLOBAL_FLAGS, RUN_FLAGS, splitCommand, splitRunArgs, usageError, type FlagSpec } from './argv.js';
import { inspect } from 'node:util';
import { MydockerError, noSpaceError } from '../errors.js';
import { resolveRoot } from '../state-root.js';
import { VERSION } from '../version.js';
import { resolveManagement } from './management.js';

/** `command` is what follows the image or container of `run`/`exec`, untouched; others ignore it. */
export type Handler = (args: unknown[], options: Record<string, unknown>, command: string[]) => Promise<number>;

/** Ties a command to the module that runs it, loaded only when it is the one matched. */
export type Bind = (command: Command, load: () => Promise<{ default: Handler }>) => void;

export function addFlags(target: CAC | Command, flags: FlagSpec[]): void {
  // Every value as a list of strings: mri would turn "--name 007" into the number 7.
  for (const f of flags) target.option(f.raw, f.description, /<[^>]+>/.test(f.raw) ? { type: [String] } : undefined);
}

interface State {
  command: string[];
  exit: Promise<number> | undefined;
}

/**
 * A cac program with the global flags, `--help` and `--version`, and the commands `define` adds;
 * with `only`, the one command of that name alone. cac builds an Option for every flag of every
 * command defined (~300) and parses a command line once against each command: a few ms of every
 * `run` or `exec` for commands it does not run. A command line that names its command needs no
 * other (its `--help` shows that command's alone); the others are only named, for "not a mydocker
 * command". Without a command (the help that lists them all) every one is built.
 */
function program(state: State, define: (cli: CAC, on: Bind) => void, only?: string): { cli: CAC; names: Set<string> } {
  const cli = cac('mydocker');
  addFlags(cli, GLOBAL_FLAGS);
  const on: Bind = (command, load) => {
    command.action((...args: unknown[]) => {
      const options = args.pop() as Record<string, unknown>;
      state.exit = load().then((m) => m.default(args, options, state.command));
    });
  };
  const names = new Set<string>();
  const command: CAC['command'] = (rawName, description, config) => {
    const name = rawName.split(' ')[0]!;
    names.add(name);
    return only === undefined || name === only ? cli.command(rawName, description, config) : unbuilt;
  };
  define(new Proxy(cli, { get: (target, key) => (key === 'command' ? command : Reflect.get(target, key)) }), on);
  cli.help();
  cli.version(VERSION, '--version');
  return { cli, names };
}

/** What a command the program does not build takes its definition into: every call, ignored. */
const unbuilt: Command = new Proxy({} as Command, { get: () => () => unbuilt });

async function main(given: string[], define: (cli: CAC, on: Bind) => void, buildAll: boolean): Promise<number> {
  const state: State = { command: [], exit: undefined };
  // `container ls`, `image rm`: Docker's management commands, as the plain ones they stand for.
  const argv = [...resolveManagement(given)];
  const { globals, command, rest } = splitCommand(argv);
  const { cli, names } = program(state, define, buildAll ? undefined : command);
  let tokens = argv;
  if (command === 'cp') {
    // Both paths untouched: "-" (a tar stream) is no flag, and a path may start with "-" after "--".
    const split = splitRunArgs(rest, [...CP_FLAGS, ...GLOBAL_FLAGS], command);
    state.command = split.image === undefined ? [] : [split.image, ...split.command];
    tokens = [...globals, command, ...split.flags];
  } else if (command === 'run' || command === 'create' || command === 'exec' || command === 'top') {
    // Everything after the image (or container) is the command's (top: ps's options), untouched.
    const own = command === 'run' ? RUN_FLAGS : command === 'create' ? CREATE_FLAGS : command === 'exec' ? EXEC_FLAGS : [];
    const split = splitRunArgs(rest, [...own, ...GLOBAL_FLAGS], command);
    state.command = split.command;
    tokens = [...globals, command, ...split.flags, ...(split.image === undefined ? [] : [split.image])];
  }
  if (command !== undefined && !names.has(command)) {
    throw new MydockerError(`'${command}' is not a mydocker command`, { exitCode: 1, hint: "see 'mydocker --help'" });
  }
  refuseEmptyValues(cli, command, tokens);
  cli.parse(['node', 'mydocker', ...tokens], { run: false });
  if (cli.options.help || cli.options.version) return 0; // cac printed it
  if (!cli.matchedCommand) {
    cli.outputHelp();
    return command === undefined && argv.length === 0 ? 0 : 125;
  }
  cli.runMatchedCommand();
  return state.exit ?? 0;
}

/**
 * Runs the program over process.argv and exits with its code. `define` adds its commands (with
 * `on`, which loads a command's module only when that command runs). `buildAll`: every command
 * built whatever the line names (the test that the one-command program answers the same).
 */
export function runProgram(define: (cli: CAC, on: Bind) => void, { buildAll = false }: { buildAll?: boolean } = {}): void {
  // An error no promise of ours carries (a stream's 'error' nobody listens to) must not reach the
  // user as Node's stack either.
  const fail = (error: unknown): never => process.exit(report(error));
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
  main(process.argv.slice(2), define, buildAll).then((code) => process.exit(code), fail);
}

/**
 * mri reads `--flag=` and `--flag ''` wrongly (it takes the next word, or "0", as the value): a flag
 * that takes a value refuses an empty one here, before cac sees it.
 */
function refuseEmptyValues(cli: CAC, command: string | undefined, tokens: string[]): void {
  const matched = cli.commands.find((c) => c.name === command);
  const valued = new Set<string>();
  for (const option of [...cli.globalCommand.options, ...(matched?.options ?? [])]) {
    if (option.required) for (const m of option.rawName.matchAll(/(?:^|[\s,])(--?[\w-]+)/g)) valued.add(m[1]!);
  }
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token === '--') break;
    const eq = token.indexOf('=');
    const name = eq > 0 ? token.slice(0, eq) : token;
    if (!valued.has(name)) continue;
    if ((eq > 0 ? token.slice(eq + 1) : tokens[i + 1]) === '') throw usageError(`flag ${name} needs a non-empty value`, command ?? '');
    if (eq < 0) i++;
  }
}

/** One line on stderr for any failure, and its exit code; the stack only with MYDOCKER_DEBUG=1. */
function report(error: unknown): number {
  let line: string;
  let code = 125;
  // A full disk is one line whatever layer met it (a plugin, the layer extractor, a record's write).
  error = noSpaceError(error, resolveRoot(rootFlag(process.argv.slice(2)))) ?? error;
  if (error instanceof MydockerError) {
    line = `${error.message}${error.hint ? ` (${error.hint})` : ''}`;
    code = error.exitCode;
  } else if (error instanceof Error && error.name === 'CACError') {
    // cac's own errors: unknown option, missing argument.
    const e = usageError(error.message.replace(/\.$/, ''), splitCommand(process.argv.slice(2)).command ?? '');
    line = `${e.message} (${e.hint})`;
  } else {
    // The helpers of hooks/ throw plain errors, some with a hint (an invalid -p spec); anything else
    // is a failure no layer put into words (a bug, or a case nobody foresaw): still one line.
    const hint = (error as { hint?: unknown } | null)?.hint;
    line = error instanceof Error ? `${error.message}${typeof hint === 'string' && hint !== '' ? ` (${hint})` : ''}` : String(error);
  }
  process.stderr.write(`mydocker: ${oneLine(line)}\n`);
  if (process.env.MYDOCKER_DEBUG === '1') process.stderr.write(`${inspect(error)}\n`);
  return code;
}

/** --root as given on the command line (before the command's own arguments), for the report. */
function rootFlag(argv: string[]): string | undefined {
  const { globals } = splitCommand(argv);
  let root: string | undefined;
  for (let i = 0; i < globals.length; i++) {
    if (globals[i] === '--root') root = globals[++i];
    else if (globals[i]!.startsWith('--root=')) root = globals[i]!.slice('--root='.length);
  }
  return root;
}

/** Some messages (a plugin's compiler errors) span lines: the user gets them as one. */
function oneLine(text: string): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ');
}
