// `mydocker import FILE NAME[:TAG]`: a rootfs tarball becomes a one-layer image; prints its ID.
import { cliRuntime } from '../runtime.js';
import { progress } from '../progress.js';

export default async function importCommand(args: unknown[], options: Record<string, unknown>): Promise<number> {
  const runtime = await cliRuntime(options);
  const shown = progress(`importing ${String(args[0])}`);
  const image = await runtime.importImage(String(args[0]), String(args[1]), { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] }, shown.update);
  shown.done();
  process.stdout.write(`${image.id}\n`);
  return 0;
}
