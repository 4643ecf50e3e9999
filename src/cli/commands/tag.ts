// `mydocker tag SOURCE TARGET`: another name for an image.
import { cliRuntime } from '../runtime.js';

export default async function tag(args: unknown[], options: Record<string, unknown>): Promise<number> {
  const runtime = await cliRuntime(options);
  runtime.tagImage(String(args[0]), String(args[1]));
  return 0;
}
