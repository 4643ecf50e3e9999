// `mydocker inspect [-f TEMPLATE] NAME...`: a JSON array, one object per container, or one line per
// container through a Go template; exit 1 if any is unknown.
import { cliRuntime } from '../runtime.js';
import { MydockerError } from '../../errors.js';
import { lastValue, toArray } from '../argv.js';
import { chooseFormat, renderTemplate } from '../template-output.js';

export default async function inspect(args: unknown[], options: Record<string, unknown>): Promise<number> {
  const refs = toArray(args[0]);
  if (refs.length === 0) throw new MydockerError('"inspect" requires at least 1 argument', { hint: "see 'mydocker inspect --help'" });
  const format = lastValue(options.format);
  const choice = format === undefined ? undefined : chooseFormat(format);
  const runtime = await cliRuntime(options);
  const found: unknown[] = [];
  let failed = false;
  for (const ref of refs) {
    try {
      found.push(await runtime.inspect(ref));
    } catch (error) {
      if (!(error instanceof MydockerError)) throw error;
      failed = true;
      process.stderr.write(`mydocker: ${error.message}\n`);
    }
  }
  if (choice === undefined) process.stdout.write(`${JSON.stringify(found, null, 4)}\n`);
  else if (choice.kind === 'template') process.stdout.write(renderTemplate({ table: false, source: choice.source }, found, {}));
  else if (choice.kind === 'json') process.stdout.write(found.map((c) => `${JSON.stringify(c)}\n`).join(''));
  else throw new MydockerError('inspect has no table format', { hint: "use json or a template, e.g. -f '{{.State.Status}}'" });
  return failed ? 1 : 0;
}
