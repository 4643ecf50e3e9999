// `mydocker port CONTAINER [PRIVATE_PORT[/PROTO]]`: the published ports of a running container, as
// Docker prints them ("80/tcp -> 0.0.0.0:8080", "80/tcp -> [::]:8080"); with a port, only where that one is published
// (exit 1 when it is not, as Docker's "No public port '80/tcp' published").
import { cliRuntime } from '../runtime.js';
import { MydockerError } from '../../errors.js';
import { hostAndPort } from '../../../hooks/ports.js';

export default async function port(args: unknown[], options: Record<string, unknown>): Promise<number> {
  const ref = String(args[0]);
  const wanted = args[1] === undefined ? undefined : parsePrivate(String(args[1]));
  const runtime = await cliRuntime(options);
  const published = await runtime.ports(ref);
  const lines = published
    .filter((p) => wanted === undefined || (p.containerPort === wanted.port && p.protocol === wanted.protocol))
    .map((p) => (wanted === undefined ? `${p.containerPort}/${p.protocol} -> ${hostAndPort(p.hostIp, p.hostPort)}` : hostAndPort(p.hostIp, p.hostPort)));
  if (wanted !== undefined && lines.length === 0) {
    throw new MydockerError(`no public port '${wanted.port}/${wanted.protocol}' published for ${ref}`, { exitCode: 1 });
  }
  process.stdout.write(lines.map((l) => `${l}\n`).join(''));
  return 0;
}

function parsePrivate(text: string): { port: number; protocol: string } {
  const match = /^(\d+)(?:\/(tcp|udp))?$/i.exec(text);
  const port = match ? Number(match[1]) : NaN;
  if (!match || port < 1 || port > 65535) throw new MydockerError(`invalid port "${text}"`, { exitCode: 1, hint: 'give PORT or PORT/tcp or PORT/udp' });
  return { port, protocol: (match[2] ?? 'tcp').toLowerCase() };
}
