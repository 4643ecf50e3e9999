// `mydocker push NAME[:TAG]`: as Docker's, one line per layer as it is done, then the manifest's digest.
import { cliRuntime } from '../runtime.js';

export default async function push(args: unknown[], options: Record<string, unknown>): Promise<number> {
  const runtime = await cliRuntime(options);
  const name = String(args[0]);
  let announced = false;
  const result = await runtime.push(name, (blob) => {
    if (!announced) {
      // The repository is known once the name parsed and the image was found: before the first layer.
      process.stdout.write(`The push refers to repository [${repositoryOf(name)}]\n`);
      announced = true;
    }
    process.stdout.write(`${blob.digest.slice(7, 19)}: ${blob.uploaded ? 'Pushed' : 'Layer already exists'}\n`);
  });
  if (!announced) process.stdout.write(`The push refers to repository [${result.repository}]\n`);
  process.stdout.write(`${result.tag}: digest: ${result.digest} size: ${result.size}\n`);
  return 0;
}

/** NAME[:TAG] without the tag (a registry's port stays: the tag is after the last '/'). */
function repositoryOf(name: string): string {
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  return colon > slash ? name.slice(0, colon) : name;
}
