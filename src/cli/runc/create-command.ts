// `mydocker-runc create`, run by the whole program (commands.ts) and by its own small one
// (create-cli.ts): the container's first process made and left waiting, under the container's lock
// (id-lock.ts), as start, kill and delete are.
import { MydockerError } from '../../errors.js';
import type { CreateOptions } from '../../oci/create.js';
import type { RuncCommandLine } from './args.js';
import { rootOf } from './hot-commands.js';

export async function runCreateCommand(line: RuncCommandLine): Promise<number> {
  const root = rootOf(line);
  const id = line.args[0]!;
  const [{ ociDeps, withLaunch }, { withIdLock }] = await Promise.all([import('../../oci/deps.js'), import('../../oci/id-lock.js')]);
  const deps = ociDeps(root);
  return withIdLock(root, id, async () => {
    const { createContainer } = await import('../../oci/create.js');
    const { child } = await createContainer(await withLaunch(deps), createOptions(line));
    // The first process outlives us: reparented to our caller (a subreaper) once we exit.
    child.unref();
    return 0;
  });
}

/** create's and run's flags: the bundle (default: the working directory), the pid file, the console socket, the fds passed on. */
export function createOptions(line: RuncCommandLine): CreateOptions {
  const flag = (name: string): string | null => (typeof line.flags[name] === 'string' ? (line.flags[name] as string) : null);
  const preserve = flag('preserve-fds') ?? '0';
  if (!/^\d+$/.test(preserve)) throw new MydockerError(`--preserve-fds "${preserve}" is not a number`);
  return { id: line.args[0]!, bundle: flag('bundle') ?? process.cwd(), pidFile: flag('pid-file'), consoleSocket: flag('console-socket'), preserveFds: Number(preserve) };
}
