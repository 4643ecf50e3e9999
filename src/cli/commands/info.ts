// `mydocker info [--format TEMPLATE]`: the runtime and host, laid out as `docker info`'s server
// part; a template reads Docker's field names (`{{.CgroupVersion}}`, `{{json .}}`).
import { cliRuntime } from '../runtime.js';
import { lastValue } from '../argv.js';
import { humanBinarySize } from '../format.js';
import { chooseFormat, renderTemplate } from '../template-output.js';
import { MydockerError } from '../../errors.js';

export default async function info(_args: unknown[], options: Record<string, unknown>): Promise<number> {
  const format = lastValue(options.format);
  const runtime = await cliRuntime(options);
  const i = await runtime.info();
  if (format !== undefined) {
    const choice = chooseFormat(format);
    if (choice.kind === 'json') process.stdout.write(`${JSON.stringify(i)}\n`);
    else if (choice.kind === 'template') process.stdout.write(renderTemplate({ table: false, source: choice.source }, [i], {}));
    else throw new MydockerError('info has no table format', { hint: "use json or a template, e.g. --format '{{.CgroupVersion}}'" });
    return 0;
  }
  const lines = [
    'Server:',
    ` Containers: ${i.Containers}`,
    `  Running: ${i.ContainersRunning}`,
    `  Paused: ${i.ContainersPaused}`,
    `  Stopped: ${i.ContainersStopped}`,
    ` Images: ${i.Images}`,
    ` Server Version: ${i.ServerVersion} (mydocker)`,
    ` Storage Driver: ${i.Driver}`,
    ` Cgroup Driver: ${i.CgroupDriver}`,
    ` Cgroup Version: ${i.CgroupVersion}`,
    ' Plugins:',
    `  Loaded: ${i.Plugins.Loaded.join(' ')}`,
    `  Storage: ${i.Plugins.Storage.join(' ')}`,
    `  Network: ${i.Plugins.Network.join(' ')}`,
    `  Volume: ${i.Plugins.Volume.join(' ')}`,
    ' Security Options:',
    ...i.SecurityOptions.map((o) => `  ${o.replace(/^name=/, '').replace(/,/g, '\n   ').replace(/=/g, ': ')}`),
    ` Kernel Version: ${i.KernelVersion}`,
    ` Operating System: ${i.OperatingSystem}`,
    ` OSType: ${i.OSType}`,
    ` Architecture: ${i.Architecture}`,
    ` CPUs: ${i.NCPU}`,
    ` Total Memory: ${humanBinarySize(i.MemTotal)}`,
    ` Name: ${i.Name}`,
    ` Docker Root Dir: ${i.DockerRootDir}`,
    ` Node.js: ${i.NodeVersion}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
