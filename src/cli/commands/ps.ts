// `mydocker ps [-a] [-q]`: Docker's columns, status derived from the live process table.
import type { ContainerSummary } from '../../runtime/runtime.js';
import { cliRuntime } from '../runtime.js';
import { shortId } from '../../container/ids.js';
import { ago, humanDuration, quoteCommand, table } from '../format.js';
import { lastValue } from '../argv.js';
import { MydockerError } from '../../errors.js';
import { formatPort, parsePublish } from '../../../hooks/ports.js';

export default async function ps(_args: unknown[], options: Record<string, unknown>): Promise<number> {
  const runtime = await cliRuntime(options);
  const containers = runtime.listContainers();
  const all = containers.filter((c) => options.all === true || c.status === 'running').sort((a, b) => b.created.localeCompare(a.created));
  // A container whose record cannot be read may well be running: never hidden without a word.
  const dead = containers.filter((c) => c.status === 'dead');
  if (options.all !== true && dead.length > 0) {
    const which = dead.map((c) => shortId(c.id)).join(', ');
    process.stderr.write(`mydocker: ${dead.length === 1 ? 'container' : 'containers'} ${which} cannot be read and may be running (see: mydocker ps -a)\n`);
  }
  if (options.quiet === true) {
    process.stdout.write(all.map((c) => `${shortId(c.id)}\n`).join(''));
    return 0;
  }
  const format = lastValue(options.format);
  if (format !== undefined && format !== 'json' && format !== 'table') {
    throw new MydockerError(`unknown --format "${format}"`, { hint: 'use json or table' });
  }
  if (format === 'json') {
    // One object per line, with Docker's field names.
    const lines = all.map((c) =>
      JSON.stringify({ ID: shortId(c.id), Image: c.image, Command: quoteCommand(c.command, Infinity), CreatedAt: c.created, Status: statusText(c), State: c.status, Ports: ports(c), Names: c.name }),
    );
    process.stdout.write(lines.map((l) => `${l}\n`).join(''));
    return 0;
  }
  const rows = all.map((c) => [shortId(c.id), c.image, c.status === 'dead' ? '' : quoteCommand(c.command), c.created === '' ? '' : ago(c.created), statusText(c), ports(c), c.name]);
  process.stdout.write(table(['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES'], rows));
  return 0;
}

/** Published ports, as Docker shows them: only while the container runs. */
function ports(c: ContainerSummary): string {
  if (c.status !== 'running') return '';
  return c.publish.map((spec) => formatPort(parsePublish(spec))).join(', ');
}

function statusText(c: ContainerSummary): string {
  // Docker's word for a container that is neither running nor cleanly stopped; `inspect` says why.
  if (c.status === 'dead') return 'Dead';
  if (c.status === 'running') return `Up ${humanDuration(Date.now() - Date.parse(c.startedAt ?? c.created))}`;
  if (c.status === 'created') return 'Created';
  const code = c.exitCode === null ? '' : ` (${c.exitCode})`;
  return c.finishedAt ? `Exited${code} ${ago(c.finishedAt)}` : `Exited${code}`;
}
