// `mydocker images`: REPOSITORY, TAG, IMAGE ID, CREATED, SIZE.
import { cliRuntime } from '../runtime.js';
import { shortId } from '../../container/ids.js';
import { ago, humanSize, table } from '../format.js';

export default async function images(_args: unknown[], options: Record<string, unknown>): Promise<number> {
  const runtime = await cliRuntime(options);
  const rows = runtime.listImages().map((i) => [i.repository, i.tag, shortId(i.id), ago(i.created), humanSize(i.size)]);
  process.stdout.write(table(['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'], rows));
  return 0;
}
