// `mydocker kill [-s SIGNAL] NAME...`: a signal (default KILL) to each container's PID 1.
import { constants } from 'node:os';
import { cliRuntime } from '../runtime.js';
import { MydockerError } from '../../errors.js';
import { lastValue, toArray } from '../argv.js';
import { forEachContainer } from '../each.js';

/** "TERM", "SIGTERM", "term" or "15". */
export function parseSignal(text: string): NodeJS.Signals | number {
  if (/^\d+$/.test(text)) {
    // 1 to SIGRTMAX; 0 only probes whether a process exists, which is not a kill.
    if (Number(text) < 1 || Number(text) > 64) throw new MydockerError(`invalid signal "${text}"`, { hint: 'a signal number is from 1 to 64' });
    return Number(text);
  }
  const name = `SIG${text.toUpperCase().replace(/^SIG/, '')}`;
  if (!(name in constants.signals)) throw new MydockerError(`invalid signal "${text}"`, { hint: 'e.g. TERM, SIGHUP or 9' });
  return name as NodeJS.Signals;
}

export default async function kill(args: unknown[], options: Record<string, unknown>): Promise<number> {
  const signal = parseSignal(lastValue(options.signal) ?? 'KILL');
  const runtime = await cliRuntime(options);
  return forEachContainer(toArray(args[0]), 'kill', (ref) => runtime.kill(ref, signal));
}
