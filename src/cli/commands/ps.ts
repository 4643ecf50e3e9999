// `mydocker ps [-a] [-q] [--filter K=V]... [--format table|json|TEMPLATE]`: Docker's columns and
// template fields, status derived from the live process table.
import type { ContainerSummary } from '../../runtime/summaries.js';
import { listContainers } from '../../runtime/list-containers.js';
import { shortId } from '../../container/ids.js';
import { ago, quoteCommand, table } from '../format.js';
import { statusText } from '../status-text.js';
import { lastValue, toArray } from '../argv.js';
import { formatPorts } from '../../../hooks/ports.js';
import { filtersImplyAll, matchesPsFilters, parsePsFilters } from '../ps-filter.js';
import { chooseFormat, renderTemplate } from '../template-output.js';
import { writeStdout } from '../stdout.js';

export default async function ps(_args: unknown[], options: Record<string, unknown>): Promise<number> {
  const format = chooseFormat(lastValue(options.format));
  const filters = parsePsFilters(toArray(options.filter));
  const wantAll = options.all === true || filtersImplyAll(filters);
  const containers = listContainers(lastValue(options.root));
  const all = containers
    .filter((c) => (wantAll || c.status === 'running' || c.status === 'paused') && matchesPsFilters(c, filters))
    // Newest first. ISO times (or '' for a dead one, last) compare as plain strings; localeCompare,
    // which asks ICU, cost a ps of 200 containers milliseconds.
    .sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0));
  // A container whose record cannot be read may well be running: never hidden without a word.
  const dead = containers.filter((c) => c.status === 'dead');
  if (!wantAll && dead.length > 0) {
    const which = dead.map((c) => shortId(c.id)).join(', ');
    process.stderr.write(`mydocker: ${dead.length === 1 ? 'container' : 'containers'} ${which} cannot be read and may be running (see: mydocker ps -a)\n`);
  }
  if (options.quiet === true) {
    writeStdout(all.map((c) => `${shortId(c.id)}\n`).join(''));
    return 0;
  }
  if (format.kind === 'json') {
    writeStdout(all.map((c) => `${JSON.stringify(row(c))}\n`).join(''));
    return 0;
  }
  if (format.kind === 'template') {
    writeStdout(renderTemplate(format, all.map(row), HEADERS));
    return 0;
  }
  const rows = all.map((c) => [shortId(c.id), c.image, c.status === 'dead' ? '' : quoteCommand(c.command), c.created === '' ? '' : ago(c.created), statusText(c), ports(c), c.name]);
  writeStdout(table(['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES'], rows));
  return 0;
}

/** What `{{json .}}` and the template fields see: Docker's ps fields, as strings. */
function row(c: ContainerSummary): Record<string, unknown> {
  return {
    ID: shortId(c.id),
    Image: c.image,
    Command: c.status === 'dead' ? '' : quoteCommand(c.command, Infinity),
    CreatedAt: c.created === '' ? '' : dockerTime(c.created),
    RunningFor: c.created === '' ? '' : ago(c.created),
    Ports: ports(c),
    State: c.status,
    Status: statusText(c),
    Names: c.name,
    Labels: Object.entries(c.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
    // A method, as Docker's: {{.Label "com.example.key"}}. JSON leaves it out.
    Label: (key: unknown) => c.labels[String(key)] ?? '',
  };
}

const HEADERS: Record<string, unknown> = {
  ID: 'CONTAINER ID',
  Image: 'IMAGE',
  Command: 'COMMAND',
  CreatedAt: 'CREATED AT',
  RunningFor: 'CREATED',
  Ports: 'PORTS',
  State: 'STATE',
  Status: 'STATUS',
  Names: 'NAMES',
  Labels: 'LABELS',
  Label: () => 'LABEL',
};

/** Go's time.Time as Docker prints CreatedAt: "2026-12-01 20:21:07 +0000 UTC". */
function dockerTime(iso: string): string {
  return `${new Date(iso).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '')} +0000 UTC`;
}

/** Published ports, as Docker shows them: only while the container runs. */
function ports(c: ContainerSummary): string {
  if (c.status !== 'running' && c.status !== 'paused') return '';
  return formatPorts(c.ports);
}
