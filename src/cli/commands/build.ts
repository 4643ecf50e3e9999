// `mydocker build [OPTIONS] CONTEXT`: Docker's classic (plain) progress on stdout — `Step N/M :`,
// ` ---> Using cache`, ` ---> Running in ID`, the RUN's output, ` ---> IMAGE` — then
// `Successfully built` and `Successfully tagged`; with -q only the image ID. SIGINT and SIGTERM stop
// the build: the running step's container is killed and removed, nothing of the step is left.
import { cliRuntime } from '../runtime.js';
import { lastValue, toArray } from '../argv.js';
import { MydockerError } from '../../errors.js';
import type { BuildEvent } from '../../runtime/runtime.js';

export default async function build(args: unknown[], options: Record<string, unknown>): Promise<number> {
  const quiet = options.quiet === true;
  const progress = lastValue(options.progress) ?? 'plain';
  if (progress !== 'plain' && progress !== 'tty' && progress !== 'auto') throw new MydockerError(`invalid --progress "${progress}"`, { exitCode: 1, hint: 'plain or tty' });
  const runtime = await cliRuntime(options);
  const abort = new AbortController();
  const stop = (): void => abort.abort();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    const result = await runtime.build({
      context: String(args[0]),
      dockerfile: lastValue(options.file),
      tags: toArray(options.tag),
      buildArgs: buildArgs(toArray(options.buildArg)),
      noCache: options.cache === false,
      target: lastValue(options.target),
      network: lastValue(options.network),
      signal: abort.signal,
      onProgress: quiet ? undefined : printEvent,
    });
    const short = result.id.slice(7, 19);
    if (quiet) {
      process.stdout.write(`${result.id}\n`);
    } else {
      process.stdout.write(`Successfully built ${short}\n`);
      for (const tag of result.tags) process.stdout.write(`Successfully tagged ${tag}\n`);
    }
    return 0;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

function printEvent(event: BuildEvent): void {
  switch (event.type) {
    case 'step':
      return void process.stdout.write(`Step ${event.step}/${event.total} : ${event.instruction}\n`);
    case 'cached':
      return void process.stdout.write(' ---> Using cache\n');
    case 'running':
      return void process.stdout.write(` ---> Running in ${event.container}\n`);
    case 'output':
      // Docker's classic builder sends both streams of RUN to the client's stdout.
      return void process.stdout.write(event.data);
    case 'removed':
      return void process.stdout.write(`Removing intermediate container ${event.container}\n`);
    case 'image':
      return void process.stdout.write(` ---> ${event.id.slice(7, 19)}\n`);
    case 'triggers':
      return void process.stdout.write(`# Executing ${event.count} build ${event.count === 1 ? 'trigger' : 'triggers'}\n`);
    case 'warning':
      return void process.stderr.write(`[Warning] ${event.message}\n`);
  }
}

/** `--build-arg K=V`; `--build-arg K` takes K from this environment, as Docker's (left out if unset). */
function buildArgs(given: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const arg of given) {
    const eq = arg.indexOf('=');
    const key = eq < 0 ? arg : arg.slice(0, eq);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new MydockerError(`invalid --build-arg "${arg}"`, { exitCode: 1, hint: 'use --build-arg NAME=VALUE' });
    const value = eq < 0 ? process.env[key] : arg.slice(eq + 1);
    if (value !== undefined) out[key] = value;
  }
  return out;
}
