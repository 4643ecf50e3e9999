// `mydocker system check [--fix]`: one line per orphan of the state root (remains of runs and
// removals killed half-way, stray mounts, addresses, locks); exit 1 when there is any, 0 when none.
// With --fix each is removed too, and the lines say so; exit 0 when all went.
import { MydockerError } from '../../errors.js';
import { cliRuntime } from '../runtime.js';

export default async function system(args: unknown[], options: Record<string, unknown>): Promise<number> {
  const action = String(args[0]);
  if (action !== 'check') throw new MydockerError(`unknown system command "${action}"`, { hint: 'usage: mydocker system check [--fix]' });
  const runtime = await cliRuntime(options);
  const fix = options.fix === true;
  const findings = await runtime.systemCheck({ fix });
  process.stdout.write(findings.map((line) => `${fix ? 'removed: ' : ''}${line}\n`).join(''));
  return findings.length > 0 && !fix ? 1 : 0;
}
