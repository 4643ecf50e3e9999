// `mydocker version [--format TEMPLATE]`: this build and what it runs on, as `docker version`'s
// fields (`{{.Server.Version}}`).
import * as os from 'node:os';
import { VERSION } from '../../version.js';
import { lastValue } from '../argv.js';
import { chooseFormat, renderTemplate } from '../template-output.js';
import { MydockerError } from '../../errors.js';

export default async function version(_args: unknown[], options: Record<string, unknown>): Promise<number> {
  const part = { Version: VERSION, GoVersion: '', NodeVersion: process.version, Os: 'linux', Arch: os.machine(), KernelVersion: os.release() };
  const data = { Client: part, Server: part };
  const format = lastValue(options.format);
  if (format !== undefined) {
    const choice = chooseFormat(format);
    if (choice.kind === 'json') process.stdout.write(`${JSON.stringify(data)}\n`);
    else if (choice.kind === 'template') process.stdout.write(renderTemplate({ table: false, source: choice.source }, [data], {}));
    else throw new MydockerError('version has no table format', { hint: "use json or a template, e.g. --format '{{.Server.Version}}'" });
    return 0;
  }
  process.stdout.write(['mydocker:', ` Version:        ${VERSION}`, ` Node.js:        ${process.version}`, ` OS/Arch:        linux/${os.machine()}`, ` Kernel Version: ${os.release()}`, ''].join('\n'));
  return 0;
}
