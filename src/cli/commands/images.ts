// `mydocker images [-a]`: REPOSITORY, TAG, IMAGE ID, CREATED, SIZE; -a also a build's intermediate images.
import { cliRuntime } from '../runtime.js';
import { shortId } from '../../container/ids.js';
import { ago, humanSize, table } from '../format.js';

export default async function images(_args: unknown[], options: Record<string, unknown>): Promise<number> {
  const runtime = await cliRuntime(options);
  const images = runtime.listImages({ all: options.all === true });
  const rows = images.map((i) => [i.repository, i.tag, shortId(i.id), i.problem ? 'unreadable' : ago(i.created), i.problem ? '' : humanSize(i.size)]);
  process.stdout.write(table(['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'], rows));
  // Listed all the same (so that it can be removed by name); what is wrong goes to stderr.
  for (const i of images) {
    if (!i.problem) continue;
    const ref = i.repository === '<none>' ? shortId(i.id) : `${i.repository}:${i.tag}`;
    process.stderr.write(`mydocker: ${ref}: ${i.problem} (remove the image with: mydocker rmi ${ref})\n`);
  }
  return 0;
}
