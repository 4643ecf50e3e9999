// Signals as users write them (`kill -s`, `--stop-signal`): a name with or without SIG, any case,
// or a number.
import { constants } from 'node:os';
import { MydockerError } from '../errors.js';

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
