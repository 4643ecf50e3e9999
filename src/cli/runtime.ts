// The runtime every CLI command works with: the --root world, plugins loaded only by the commands
// that run hooks (ps or logs need none), and with --trace (or MYDOCKER_TRACE=1) a trace on stderr,
// where it never mixes with a container's output (a foreground run's stdout is the container's).
import { createRuntime, type Runtime } from '../runtime/runtime.js';
import { lastValue } from './argv.js';

export function cliRuntime(options: Record<string, unknown>, plugins: string[] = []): Promise<Runtime> {
  return createRuntime({ root: lastValue(options.root), loadPlugins: false, plugins, trace: traceSink(options) });
}

function traceSink(options: Record<string, unknown>): ((line: string) => void) | undefined {
  if (options.trace !== true && process.env.MYDOCKER_TRACE !== '1') return undefined;
  return (line) => void process.stderr.write(`mydocker trace: ${line}\n`);
}
