// `mydocker pull NAME[:TAG]`: prints the image's name and ID once it is stored.
import { cliRuntime } from '../runtime.js';
import { progress } from '../progress.js';
import { shortId } from '../../container/ids.js';

export default async function pull(args: unknown[], options: Record<string, unknown>): Promise<number> {
  const runtime = await cliRuntime(options);
  const shown = progress(`pulling ${String(args[0])}`);
  const image = await runtime.pull(String(args[0]), shown.update);
  shown.done();
  process.stdout.write(`${String(args[0])}: pulled ${shortId(image.id)}\n`);
  return 0;
}
