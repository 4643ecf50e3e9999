// What each `mydocker-runc` command does with its parsed command line: a thin layer over src/oci/.
// Returns the exit code; output goes through `out` (stdout); errors are thrown for program.ts to
// report. The commands every container calls are in hot-commands.ts, delete-command.ts and
// create-command.ts, shared with the small programs the launcher runs for them (hot-cli.ts,
// delete-cli.ts, create-cli.ts).
import { MydockerError } from '../../errors.js';
import type { RuncCommandLine } from './args.js';
import { LIGHT_COMMANDS, answerGlobally, rootOf, runLightCommand } from './hot-commands.js';
import { runDeleteCommand } from './delete-command.js';
import { createOptions, runCreateCommand } from './create-command.js';
import { stateRootNetworks } from '../../runtime/host-networks.js';

export { DEFAULT_ROOT, VERSION } from './hot-commands.js';

export async function runCommand(line: RuncCommandLine, out: (text: string) => void, warn: (message: string) => void = () => {}): Promise<number> {
  const answered = answerGlobally(line, out);
  if (answered !== null) return answered;
  if (line.command === null) throw new MydockerError('no command'); // answered above; for the type checker
  if (LIGHT_COMMANDS.has(line.command)) return runLightCommand(line, out, warn);
  if (line.command === 'delete') return runDeleteCommand(line, warn, stateRootNetworks);
  if (line.command === 'features') {
    const { features } = await import('../../oci/features.js');
    out(`${JSON.stringify(features(), null, 2)}\n`);
    return 0;
  }
  if (line.command === 'spec') {
    const [fs, path, { defaultSpec }] = await Promise.all([import('node:fs'), import('node:path'), import('../../oci/default-spec.js')]);
    if (line.flags.rootless === true) throw new MydockerError('spec --rootless is not supported: mydocker-runc has no user namespaces yet');
    const file = path.join(typeof line.flags.bundle === 'string' ? line.flags.bundle : '.', 'config.json');
    try {
      fs.writeFileSync(file, `${JSON.stringify(defaultSpec(), null, 2)}\n`, { flag: 'wx', mode: 0o666 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new MydockerError(`File ${file} exists. Remove it first`);
      throw error;
    }
    return 0;
  }
  if (line.command === 'create') return runCreateCommand(line);
  const root = rootOf(line);
  const { ociDeps, withLaunch } = await import('../../oci/deps.js');
  const deps = ociDeps(root);
  const id = line.args[0]!;
  const flag = (name: string): string | null => (typeof line.flags[name] === 'string' ? (line.flags[name] as string) : null);
  switch (line.command) {
    case 'run': {
      if (line.flags.detach === true) throw new MydockerError('run --detach is not supported by mydocker-runc (use create and start)');
      const { runContainer } = await import('../../oci/run.js');
      return runContainer(await withLaunch(deps), createOptions(line), warn);
    }
    case 'state': {
      const { stateOf } = await import('../../oci/list.js');
      out(`${JSON.stringify(stateOf(deps.store.get(id)), null, 2)}\n`);
      return 0;
    }
    case 'list': {
      const { listContainers, formatList } = await import('../../oci/list.js');
      const format = flag('format') ?? 'table';
      if (format !== 'table' && format !== 'json') throw new MydockerError(`invalid format "${format}" (table or json)`);
      out(formatList(listContainers(deps.store), format, line.flags.quiet === true));
      return 0;
    }
    case 'ps': {
      const { processesOf, psTable } = await import('../../oci/list.js');
      const format = flag('format') ?? 'table';
      const pids = processesOf(deps.store.get(id));
      if (format === 'json') out(`${JSON.stringify(pids)}\n`);
      else if (format === 'table') out(await psTable(pids, line.args.slice(1)));
      else throw new MydockerError(`invalid format "${format}" (table or json)`);
      return 0;
    }
    case 'pause':
    case 'resume': {
      const { pauseContainer, resumeContainer } = await import('../../oci/freezer.js');
      await (line.command === 'pause' ? pauseContainer : resumeContainer)(deps.store, id);
      return 0;
    }
    case 'update': {
      const source = flag('resources');
      if (source === null) throw new MydockerError('update needs --resources FILE (or - for stdin): mydocker-runc takes no other update flag');
      const fs = await import('node:fs');
      const { updateContainer } = await import('../../oci/update.js');
      updateContainer(deps.store, id, fs.readFileSync(source === '-' ? 0 : source, 'utf8'), source === '-' ? 'stdin' : source);
      return 0;
    }
    case 'exec': {
      for (const name of ['additional-gids', 'cap', 'process-label', 'apparmor', 'cgroup']) {
        if (line.flags[name] !== undefined) throw new MydockerError(`exec --${name} is not supported by mydocker-runc yet`);
      }
      if (line.flags['no-new-privs'] === true) throw new MydockerError('exec --no-new-privs is not supported by mydocker-runc yet (set noNewPrivileges in a --process file)');
      if ((flag('preserve-fds') ?? '0') !== '0') throw new MydockerError('--preserve-fds is not supported by mydocker-runc yet');
      const { execProcess } = await import('../../oci/exec.js');
      const env = Array.isArray(line.flags.env) ? line.flags.env : [];
      const code = await execProcess(await withLaunch(deps), {
        id,
        processFile: flag('process'),
        args: line.args.slice(1),
        env,
        cwd: flag('cwd'),
        tty: line.flags.tty === true,
        detach: line.flags.detach === true,
        pidFile: flag('pid-file'),
        consoleSocket: flag('console-socket'),
        user: flag('user'),
      });
      if (line.flags.detach === true) await exitWithoutChildren();
      return code;
    }
    default:
      throw new MydockerError(`${line.command} is not supported by mydocker-runc yet`);
  }
}

/** A detached process is our child: let it go (it is reparented to our caller once we exit). */
async function exitWithoutChildren(): Promise<void> {
  // execInContainer's child handle keeps the event loop alive; nothing else of ours is left to do.
  setImmediate(() => process.exit(process.exitCode ?? 0));
}
