// The runtime every CLI command works with: the --root world, plugins loaded only by the commands
// that run hooks (ps or logs need none).
import { createRuntime, type Runtime } from '../runtime/runtime.js';
import { lastValue } from './argv.js';

export function cliRuntime(options: Record<string, unknown>, plugins: string[] = []): Promise<Runtime> {
  return createRuntime({ root: lastValue(options.root), loadPlugins: false, plugins });
}
