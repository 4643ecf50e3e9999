// A build's RUN: the command in a real container of this runtime, made from the step's parent
// image through the same run path as `mydocker run` (so plugins, limits and confinement apply),
// with the image's user, working directory and environment and the ARGs in scope; its output
// reported as it comes; then its changes committed as one layer, as `commit` does, and the
// container removed whatever happened. A non-zero exit fails the step and makes no image.
import type { Readable } from 'node:stream';
import type { ImageRecord } from '../image/store.js';
import type { RuntimeInternals } from '../runtime/internals.js';
import { BuildError } from './build-error.js';
import type { BuildEvent } from './build.js';
import { MydockerError } from '../errors.js';

export interface RunContext {
  parent: ImageRecord;
  argv: string[];
  /** The history line, and the command as named in a failure. */
  createdBy: string;
  /** The ARGs in scope, K=V. */
  env: string[];
  network: string;
  signal: AbortSignal | undefined;
  emit(event: BuildEvent): void;
}

export async function runStep(rt: RuntimeInternals, step: RunContext): Promise<ImageRecord> {
  const [{ run, remove }, { commitLayer }] = await Promise.all([import('../runtime/containers.js'), import('../runtime/images.js')]);
  let container;
  try {
    // No health checks in a build, as Docker's: the container lives for one command.
    container = await run(rt, { image: step.parent.id, command: step.argv, env: step.env, options: { network: step.network }, stdio: ['ignore', 'pipe', 'pipe'], health: { none: true } });
  } catch (error) {
    // Refused or not startable (not found: 127, not executable: 126); run left nothing behind.
    if (error instanceof MydockerError && (error.exitCode === 126 || error.exitCode === 127)) {
      throw new BuildError(`The command '${step.createdBy}' returned a non-zero code: ${error.exitCode} (${error.message})`);
    }
    // Refused by the runtime (the image's USER unknown, a plugin's error): a failed build all the
    // same (exit 1), the cause kept (a full disk is still reported as one).
    if (error instanceof MydockerError && !(error instanceof BuildError)) throw new BuildError(error.message, { hint: error.hint, cause: error });
    throw error;
  }
  const id = container.id;
  step.emit({ type: 'running', container: id.slice(0, 12) });
  const stop = (): void => container.signal('SIGKILL');
  step.signal?.addEventListener('abort', stop);
  try {
    const streams = [relay(container.pipes.stdout, 'stdout', step), relay(container.pipes.stderr, 'stderr', step)];
    const code = await container.wait();
    await Promise.all(streams);
    if (step.signal?.aborted) throw new BuildError('the build was interrupted');
    if (code !== 0) throw new BuildError(`The command '${step.createdBy}' returned a non-zero code: ${code}`);
    const layer = await commitLayer(rt, rt.containers.load(id));
    return await rt.images.withNewLayer(layer, () => rt.images.addImage({ parent: step.parent, layer, config: step.parent.config, ref: null, createdBy: step.createdBy, linkParent: true }));
  } finally {
    step.signal?.removeEventListener('abort', stop);
    // With its anonymous volumes: the image's VOLUMEs are mounted in RUN as Docker's classic builder
    // does (what a RUN writes there after the VOLUME is not in the image).
    await remove(rt, id, { force: true, volumes: true });
    step.emit({ type: 'removed', container: id.slice(0, 12) });
  }
}

/** Reports a pipe's chunks until it ends. */
function relay(stream: Readable | null, name: 'stdout' | 'stderr', step: RunContext): Promise<void> {
  if (!stream) return Promise.resolve();
  return new Promise((resolve) => {
    stream.on('data', (data: Buffer) => step.emit({ type: 'output', stream: name, data }));
    stream.on('end', resolve);
    stream.on('error', () => resolve());
    stream.on('close', resolve);
  });
}
