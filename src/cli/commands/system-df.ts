// `mydocker system df [-v] [--format F]`: Docker's table (TYPE TOTAL ACTIVE SIZE RECLAIMABLE), with
// -v each image, container, volume and build cache entry; --format json or a Go template over the
// rows' fields (.Type .TotalCount .Active .Size .Reclaimable), as Docker's.
import { cliRuntime } from '../runtime.js';
import type { DfRow, DiskUsage } from '../../runtime/runtime.js';
import { reclaimableText } from '../../runtime/disk-usage-totals.js';
import { shortId } from '../../container/ids.js';
import { ago, humanSize, quoteCommand, table } from '../format.js';
import { chooseFormat, renderTemplate } from '../template-output.js';
import { statusText } from '../status-text.js';

export default async function systemDf(options: Record<string, unknown>, formatText: string | undefined): Promise<number> {
  const format = chooseFormat(formatText); // a bad template is refused before the store is read
  const runtime = await cliRuntime(options);
  const usage = await runtime.diskUsage();
  if (format.kind === 'json') {
    process.stdout.write(usage.rows.map((r) => `${JSON.stringify(row(r))}\n`).join(''));
    return 0;
  }
  if (format.kind === 'template') {
    process.stdout.write(renderTemplate(format, usage.rows.map(row), HEADERS));
    return 0;
  }
  if (options.verbose === true) {
    // The STATUS cells as `ps` prints them.
    const statuses = new Map(runtime.listContainers().map((c) => [c.id, statusText(c)]));
    process.stdout.write(verbose(usage, statuses));
    return 0;
  }
  process.stdout.write(table(['TYPE', 'TOTAL', 'ACTIVE', 'SIZE', 'RECLAIMABLE'], usage.rows.map((r) => [r.type, String(r.total), String(r.active), humanSize(r.size), reclaimableText(r, humanSize)])));
  return 0;
}

/** Docker's fields of a df row, as strings. */
function row(r: DfRow): Record<string, string> {
  return { Type: r.type, TotalCount: String(r.total), Active: String(r.active), Size: humanSize(r.size), Reclaimable: reclaimableText(r, humanSize) };
}

const HEADERS = { Type: 'TYPE', TotalCount: 'TOTAL', Active: 'ACTIVE', Size: 'SIZE', Reclaimable: 'RECLAIMABLE' };

function verbose(usage: DiskUsage, statuses: ReadonlyMap<string, string>): string {
  const images = table(
    ['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE', 'SHARED SIZE', 'UNIQUE SIZE', 'CONTAINERS'],
    usage.images.map((i) => [i.repository, i.tag, i.id.slice(7, 19), i.created === '' ? '' : ago(i.created), humanSize(i.size), humanSize(i.sharedSize), humanSize(i.uniqueSize), String(i.containers)]),
  );
  const containers = table(
    ['CONTAINER ID', 'IMAGE', 'COMMAND', 'LOCAL VOLUMES', 'SIZE', 'CREATED', 'STATUS', 'NAMES'],
    usage.containers.map((c) => [shortId(c.id), c.image, quoteCommand(c.command), String(c.volumes), humanSize(c.sizeRw), ago(c.created), statuses.get(c.id) ?? c.status, c.name]),
  );
  const volumes = table(['VOLUME NAME', 'LINKS', 'SIZE'], usage.volumes.map((v) => [v.name, String(v.links), humanSize(v.size)]));
  const cacheTotal = usage.rows.find((r) => r.type === 'Build Cache')?.size ?? 0;
  const cache = table(['CACHE ID', 'CACHE TYPE', 'SIZE', 'CREATED', 'SHARED'], usage.cache.map((c) => [c.id.slice(0, 12), 'regular', humanSize(c.size), c.created === '' ? '' : ago(c.created), String(c.size === 0)]));
  return `Images space usage:\n\n${images}\nContainers space usage:\n\n${containers}\nLocal Volumes space usage:\n\n${volumes}\nBuild cache usage: ${humanSize(cacheTotal)}\n\n${cache}`;
}
