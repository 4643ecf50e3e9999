// `mydocker kill [-s SIGNAL] NAME...`: a signal (default KILL) to each container's PID 1.
import { cliRuntime } from '../runtime.js';
import { parseSignal } from '../../container/signals.js';
import { lastValue, toArray } from '../argv.js';
import { forEachContainer } from '../each.js';

export default async function kill(args: unknown[], options: Record<string, unknown>): Promise<number> {
  const signal = parseSignal(lastValue(options.signal) ?? 'KILL');
  const runtime = await cliRuntime(options);
  return forEachContainer(toArray(args[0]), 'kill', (ref) => runtime.kill(ref, signal));
}
