// `mydocker cleanup ID`: internal, run by a detached container's shim when the container ends.
import { createRuntime } from '../../runtime/runtime.js';
import { lastValue } from '../argv.js';

export default async function cleanup(args: unknown[], options: Record<string, unknown>): Promise<number> {
  const runtime = await createRuntime({ root: lastValue(options.root) });
  await runtime.cleanup(String(args[0]));
  return 0;
}
