// `mydocker-runc run`: create, start and wait, attached (this process stays the first process's
// parent); then delete. Resolves with the container's exit code (128+N when killed by signal N).
import { constants } from 'node:os';
import { createContainer, type CreateOptions, type OciDeps } from './create.js';
import { deleteContainer } from './delete.js';
import { startContainer } from './start.js';

export async function runContainer(deps: OciDeps, options: CreateOptions, warn: (message: string) => void = () => {}): Promise<number> {
  const { child } = await createContainer(deps, options);
  const exited = new Promise<number>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0)));
  });
  // Signals to us go to the container, as runc forwards them.
  const forward = (signal: NodeJS.Signals): void => {
    try {
      child.kill(signal);
    } catch {
      // gone
    }
  };
  const forwarded: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];
  for (const s of forwarded) process.on(s, forward);
  try {
    for (const message of await startContainer(deps.store, options.id)) warn(message);
    return await exited;
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    throw error;
  } finally {
    for (const s of forwarded) process.off(s, forward);
    for (const message of await deleteContainer(deps, options.id, true)) warn(message);
  }
}
