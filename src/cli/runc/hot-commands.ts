// What every command line gets first, and the commands containerd calls on every container besides
// create and delete: start (state and kill for the runtime-tools suite and CRI's stop). Both the
// whole program (cli.ts, through commands.ts) and the small one (hot-cli.ts) run them from here, so
// their output, errors and exit codes cannot drift. Nothing here may load more than the store: the
// small program's bundle holds what this file reaches.
import { MydockerError } from '../../errors.js';
import type { RuncCommandLine } from './args.js';

export const DEFAULT_ROOT = '/run/mydocker-runc';
export const VERSION = 'mydocker-runc 0.1.0 (runc command line; OCI runtime-spec 1.2.0)';

/** The commands runLightCommand() runs. */
export const LIGHT_COMMANDS: ReadonlySet<string> = new Set(['start', 'state', 'kill']);

/** What comes before any command (--version, the usage, the refused --systemd-cgroup): the exit code, or null to go on. */
export function answerGlobally(line: RuncCommandLine, out: (text: string) => void): number | null {
  if (line.global.version === true) {
    out(`${VERSION}\n`);
    return 0;
  }
  if (line.command === null) {
    out(`usage: mydocker-runc [--root DIR] [--log FILE] [--log-format json|text] COMMAND ...\ncommands: create, start, state, kill, delete, run, exec, ps, list, pause, resume, update, features, spec\n`);
    return line.global.help === true ? 0 : 1;
  }
  if (line.global['systemd-cgroup'] === true) {
    throw new MydockerError('--systemd-cgroup is not supported: mydocker-runc drives cgroupfs only (set SystemdCgroup = false in containerd\'s runc options)');
  }
  return null;
}

export function rootOf(line: RuncCommandLine): string {
  return typeof line.global.root === 'string' ? line.global.root : DEFAULT_ROOT;
}

/** One of LIGHT_COMMANDS, after answerGlobally(); start and kill under the container's lock (id-lock.ts). */
export async function runLightCommand(line: RuncCommandLine, out: (text: string) => void, warn: (message: string) => void): Promise<number> {
  const root = rootOf(line);
  const id = line.args[0]!;
  const { OciStore } = await import('../../oci/store.js');
  const store = new OciStore(root);
  if (line.command === 'state') {
    const { stateOf } = await import('../../oci/list.js');
    out(`${JSON.stringify(stateOf(store.get(id)), null, 2)}\n`);
    return 0;
  }
  const { withIdLock } = await import('../../oci/id-lock.js');
  return withIdLock(root, id, async () => {
    if (line.command === 'start') {
      const { startContainer } = await import('../../oci/start.js');
      for (const message of await startContainer(store, id)) warn(message);
      return 0;
    }
    if (line.command === 'kill') {
      const { killContainer, parseSignal } = await import('../../oci/signal.js');
      killContainer(store, id, parseSignal(line.args[1]), line.flags.all === true);
      return 0;
    }
    throw new MydockerError(`${line.command} is not one of ${[...LIGHT_COMMANDS].join(', ')}`);
  });
}
