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
  const all = runtime
    .listContainers()
    .filter((c) => options.all === true || c.status === 'running')
    .sort((a, b) => b.created.localeCompare(a.created));
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
  const rows = all.map((c) => [shortId(c.id), c.image, quoteCommand(c.command), ago(c.created), statusText(c), ports(c), c.name]);
  process.stdout.write(table(['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES'], rows));
  return 0;
}

/** Published ports, as Docker shows them: only while the container runs. */
function ports(c: ContainerSummary): string {
  if (c.status !== 'running') return '';
  return c.publish.map((spec) => formatPort(parsePublish(spec))).join(', ');
}

function statusText(c: ContainerSummary): string {
  if (c.status === 'running') return `Up ${humanDuration(Date.now() - Date.parse(c.startedAt ?? c.created))}`;
  if (c.status === 'created') return 'Created';
  const code = c.exitCode === null ? '' : ` (${c.exitCode})`;
  return c.finishedAt ? `Exited${code} ${ago(c.finishedAt)}` : `Exited${code}`;
}
