// Who is on a user network, for name resolution: <root>/networks/<id>/endpoints.json lists each
// attached container's name, hostname, address and the host path of its /etc/hosts. When one joins
// or leaves, every member's hosts file is written again, in place (it is bind-mounted into its
// container: a rename would leave the container looking at the old file).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Kernel, NetworkInfo } from '../../hooks/index.js';
import { writeJsonAtomic } from '../../hooks/atomic-file.js';
import { listOf, object, optional, readStateFileIfExists, recordOf, string, type Check } from '../../hooks/state-file.js';
import { withFileLock } from '../../hooks/file-lock.js';
import { hostsFile, type HostsEntry } from './etc-files.js';

export interface Endpoint {
  name: string;
  hostname: string;
  address: string;
  hostsFile: string;
  /** The member's own `--add-host` entries, written again with its hosts file. */
  added?: HostsEntry[];
}

const endpointsCheck: Check<Record<string, Endpoint>> = recordOf(
  object({ name: string, hostname: string, address: string, hostsFile: string, added: optional(listOf(object({ address: string, names: listOf(string) }))) }),
);

export class EndpointRegistry {
  constructor(
    private readonly root: string,
    private readonly kernel: Pick<Kernel, 'flock'>,
  ) {}

  private dir(network: NetworkInfo): string {
    return path.join(this.root, 'networks', network.id);
  }

  async join(network: NetworkInfo, id: string, endpoint: Endpoint): Promise<void> {
    await this.change(network, (all) => {
      all[id] = endpoint;
    });
  }

  async leave(network: NetworkInfo, id: string): Promise<void> {
    await this.change(network, (all) => {
      delete all[id];
    });
  }

  private change(network: NetworkInfo, edit: (all: Record<string, Endpoint>) => void): Promise<void> {
    const dir = this.dir(network);
    if (!fs.existsSync(dir)) return Promise.resolve(); // the network is gone, and its members with it
    return withFileLock(this.kernel, path.join(dir, 'endpoints.lock'), async () => {
      const file = path.join(dir, 'endpoints.json');
      const all = readStateFileIfExists(file, endpointsCheck, 'repair or remove it: the names of this network\'s containers are then written again as they join') ?? {};
      edit(all);
      writeJsonAtomic(file, all);
      for (const [id, member] of Object.entries(all)) {
        const others = Object.entries(all)
          .filter(([other]) => other !== id)
          .map(([, e]) => ({ address: e.address, names: [e.name, e.hostname] }));
        writeInPlace(member.hostsFile, hostsFile({ hostname: member.hostname, address: member.address }, [{ address: member.address, names: [member.name] }, ...others], member.added ?? []));
      }
    });
  }
}

/** Truncate and write the same inode; a member whose files are gone (removed meanwhile) is skipped. */
export function writeInPlace(file: string, content: string): void {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_TRUNC | fs.constants.O_NOFOLLOW);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    fs.writeSync(fd, content);
  } finally {
    fs.closeSync(fd);
  }
}
