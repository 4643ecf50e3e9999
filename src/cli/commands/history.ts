// `mydocker history IMAGE`: its layers, newest first: how each was made and its size.
import { cliRuntime } from '../runtime.js';
import { MydockerError } from '../../errors.js';
import { shortId } from '../../container/ids.js';
import { ago, humanSize, table } from '../format.js';

export default async function history(args: unknown[], options: Record<string, unknown>): Promise<number> {
  const runtime = await cliRuntime(options);
  const image = runtime.images.find(String(args[0]));
  if (!image) throw new MydockerError(`no such image: ${String(args[0])}`, { exitCode: 1 });
  const steps = image.history ?? image.layers.map(() => ({ created: image.created, createdBy: '', size: 0 }));
  const rows = steps
    .map((step, i) => [i === steps.length - 1 ? shortId(image.id) : '<missing>', ago(step.created), step.createdBy, humanSize(step.size)])
    .reverse();
  process.stdout.write(table(['IMAGE', 'CREATED', 'CREATED BY', 'SIZE'], rows));
  return 0;
}
