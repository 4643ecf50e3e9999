// `mydocker network create [--driver D] [--subnet CIDR] [--gateway IP] [-o K=V] NAME | ls [-q] |
// inspect NAME... | rm NAME...`. Refusals (a name taken, a network in use, an unknown one) exit 1 as
// Docker's do; a misused command or a bad option exits 125.
import { MydockerError } from '../../errors.js';
import { lastValue, toArray } from '../argv.js';
import { forEachContainer } from '../each.js';
import { table } from '../format.js';
import { cliRuntime } from '../runtime.js';
import { shortId } from '../../container/ids.js';

export default async function network(args: unknown[], options: Record<string, unknown>): Promise<number> {
  const action = String(args[0]);
  // Names after `--` (cac keeps them apart) are names all the same: `create -- -x` must not
  // quietly make a volume or network of another name.
  const names = [...toArray(args[1]), ...toArray(options['--'])];
  const runtime = await cliRuntime(options, toArray(options.plugin));
  switch (action) {
    case 'create': {
      if (names.length !== 1) throw usage('"network create" requires exactly 1 argument');
      const info = await runtime.createNetwork({
        name: names[0]!,
        driver: lastValue(options.driver),
        subnet: lastValue(options.subnet),
        gateway: lastValue(options.gateway),
        options: driverOptions(toArray(options.opt)),
      });
      process.stdout.write(`${info.id}\n`);
      return 0;
    }
    case 'ls':
    case 'list': {
      if (names.length > 0) throw usage('"network ls" takes no arguments');
      const networks = runtime.listNetworks();
      // The others are listed; what cannot be read is said on stderr, so the list stays parseable.
      for (const broken of runtime.unreadableNetworks()) process.stderr.write(`mydocker: ${broken.message}${broken.hint ? ` (${broken.hint})` : ''}\n`);
      if (options.quiet === true) {
        process.stdout.write(networks.map((n) => `${shortId(n.id)}\n`).join(''));
        return 0;
      }
      const rows = networks.map((n) => [shortId(n.id), n.name, n.driver, n.subnet, n.gateway]);
      // The two modes, as Docker lists its predefined host and none networks.
      rows.push(['-', 'host', 'host', '-', '-'], ['-', 'none', 'null', '-', '-']);
      process.stdout.write(table(['NETWORK ID', 'NAME', 'DRIVER', 'SUBNET', 'GATEWAY'], rows));
      return 0;
    }
    case 'inspect': {
      if (names.length === 0) throw usage('"network inspect" requires at least 1 argument');
      const found: unknown[] = [];
      let failed = false;
      for (const name of names) {
        try {
          const n = await runtime.inspectNetwork(name);
          found.push({
            Name: n.name,
            Id: n.id,
            Created: n.created,
            Driver: n.driver,
            IPAM: { Config: [{ Subnet: n.subnet, Gateway: n.gateway }] },
            Options: n.options,
            Default: n.isDefault,
            Containers: Object.fromEntries(n.containers.map((c) => [c.id, { Name: c.name, IPv4Address: `${c.address}/${n.subnet.split('/')[1]}` }])),
          });
        } catch (error) {
          if (!(error instanceof MydockerError) || error.exitCode !== 1) throw error;
          failed = true;
          process.stderr.write(`mydocker: ${error.message}\n`);
        }
      }
      process.stdout.write(`${JSON.stringify(found, null, 4)}\n`);
      return failed ? 1 : 0;
    }
    case 'rm':
    case 'remove':
      if (names.length === 0) throw usage('"network rm" requires at least 1 argument');
      return forEachContainer(names, 'network rm', async (name) => {
        await runtime.removeNetwork(name);
      });
    default:
      throw usage(`unknown network command "${action}"`);
  }
}

function driverOptions(specs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    if (eq <= 0) throw usage(`invalid driver option "${spec}": expected KEY=VALUE`);
    out[spec.slice(0, eq)] = spec.slice(eq + 1);
  }
  return out;
}

function usage(message: string): MydockerError {
  return new MydockerError(message, { hint: "see 'mydocker network --help'" });
}
