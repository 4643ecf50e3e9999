// `mydocker system check [--fix]`: one line per orphaned object of the state root — its kind, what it
// is, where, and why it belongs to nothing (remains of runs, removals and image commands killed
// half-way, stray mounts, addresses, locks) — and exit 1 when there is any, 0 when none, as a check
// (fsck, `git diff --exit-code`) does. With --fix each is removed and listed as "removed: LINE"; one
// that could not be is reported on stderr with why, and the exit code is 1 while anything remains.
import { MydockerError } from '../../errors.js';
import { cliRuntime } from '../runtime.js';

export default async function system(args: unknown[], options: Record<string, unknown>): Promise<number> {
  const action = String(args[0]);
  if (action !== 'check') throw new MydockerError(`unknown system command "${action}"`, { hint: 'usage: mydocker system check [--fix]' });
  const runtime = await cliRuntime(options);
  const fix = options.fix === true;
  const report = await runtime.systemCheck({ fix });
  process.stdout.write(report.findings.map((line) => `${fix ? 'removed: ' : ''}${line}\n`).join(''));
  for (const { finding, reason } of report.failed) process.stderr.write(`mydocker: could not remove ${finding}: ${reason}\n`);
  return (fix ? report.failed.length : report.findings.length) > 0 ? 1 : 0;
}
