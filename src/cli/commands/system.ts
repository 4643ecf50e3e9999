// `mydocker system prune [-a] [--volumes] [-f]`: see prune() below.
// `mydocker system check [--fix]`: one line per orphaned object of the state root — its kind, what it
// is, where, and why it belongs to nothing (remains of runs, removals and image commands killed
// half-way, stray mounts, addresses, locks) — and exit 1 when there is any, 0 when none, as a check
// (fsck, `git diff --exit-code`) does. With --fix each is removed and listed as "removed: LINE"; one
// that could not be is reported on stderr with why, and the exit code is 1 while anything remains.
import { MydockerError } from '../../errors.js';
import { cliRuntime } from '../runtime.js';
import { lastValue } from '../argv.js';

export default async function system(args: unknown[], options: Record<string, unknown>): Promise<number> {
  const action = String(args[0]);
  if (action === 'prune') return prune(options);
  if (action === 'df') return (await import('./system-df.js')).default(options, lastValue(options.format));
  if (action !== 'check') throw new MydockerError(`unknown system command "${action}"`, { hint: 'usage: mydocker system check [--fix] | system prune [-a] [--volumes] [-f] | system df [-v] [--format F]' });
  const runtime = await cliRuntime(options);
  const fix = options.fix === true;
  const report = await runtime.systemCheck({ fix });
  process.stdout.write(report.findings.map((line) => `${fix ? 'removed: ' : ''}${line}\n`).join(''));
  for (const { finding, reason } of report.failed) process.stderr.write(`mydocker: could not remove ${finding}: ${reason}\n`);
  return (fix ? report.failed.length : report.findings.length) > 0 ? 1 : 0;
}

/**
 * `system prune [-a] [--volumes] [-f]`: Docker's warning and question (answered on stdin, as
 * Docker's; -f skips it), then what was removed, section by section.
 */
async function prune(options: Record<string, unknown>): Promise<number> {
  const all = options.all === true;
  const volumes = options.volumes === true;
  if (options.force !== true) {
    const what = ['all stopped containers', 'all networks not used by at least one container', ...(volumes ? ['all anonymous volumes not used by at least one container'] : []), all ? 'all images without at least one container associated to them' : 'all dangling images'];
    process.stdout.write(`WARNING! This will remove:\n${what.map((w) => `  - ${w}\n`).join('')}\nAre you sure you want to continue? [y/N] `);
    if (!/^y(es)?$/i.test((await readLine()).trim())) return 0;
  }
  const runtime = await cliRuntime(options);
  const report = await runtime.systemPrune({ all, volumes });
  const sections: Array<[string, string[]]> = [
    ['Deleted Containers:', report.containers],
    ['Deleted Networks:', report.networks],
    ['Deleted Volumes:', report.volumes],
    ['Deleted Images:', report.images],
  ];
  for (const [title, lines] of sections) if (lines.length > 0) process.stdout.write(`${title}\n${lines.map((l) => `${l}\n`).join('')}\n`);
  return 0;
}

/** One line of stdin ('' at its end). */
function readLine(): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const done = (): void => {
      process.stdin.off('data', onData);
      process.stdin.off('end', done);
      process.stdin.pause();
      resolve(text.split('\n')[0] ?? '');
    };
    const onData = (chunk: Buffer): void => {
      text += chunk.toString();
      if (text.includes('\n')) done();
    };
    process.stdin.on('data', onData);
    process.stdin.once('end', done);
  });
}
