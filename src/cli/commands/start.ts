// `mydocker start [-a] [-i] NAME...`: runs stopped containers again with the same filesystem and
// configuration; in the background, or with -a attached (then the exit code is the container's).
import { cliRuntime } from '../runtime.js';
import { MydockerError } from '../../errors.js';
import { toArray } from '../argv.js';
import { forEachContainer } from '../each.js';
import { foreground, holdSignals, relayedStdio } from '../foreground.js';

export default async function start(args: unknown[], options: Record<string, unknown>): Promise<number> {
  const refs = toArray(args[0]);
  const attach = options.attach === true || options.interactive === true;
  const runtime = await cliRuntime(options);
  if (!attach) return forEachContainer(refs, 'start', async (ref) => void (await runtime.start(ref)));
  if (refs.length !== 1) throw new MydockerError('you cannot start and attach multiple containers at once', { hint: 'give one name with -a' });
  const interactive = options.interactive === true;
  // As for run: held from before the container starts, forwarded to it by the same listeners.
  const held = holdSignals();
  const container = await runtime.start(refs[0]!, { attach: true, stdio: relayedStdio(interactive) }).catch((error: unknown) => {
    held.release();
    throw error;
  });
  if (container === null) {
    held.release();
    throw new MydockerError(`container ${refs[0]} is already running`, { exitCode: 1 });
  }
  return foreground(runtime.kernel, container, { interactive, signals: held });
}
