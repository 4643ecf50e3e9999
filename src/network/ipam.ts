// The bitmap IPAM: one bit per address of a network's subnet, set when the address is taken. The
// network, gateway and broadcast addresses are set when the bitmap is made. Each address taken also
// records its owner (a container ID), so that a container's addresses are released by who it is,
// even after a crash before it could save which address it got.
// Persisted as <root>/networks/<id>/ipam.json, made with the network; every change is one
// read-modify-write under the networks' file lock, so concurrent runs never get the same address.
// The file is fsync'd before its rename (a host crash never leaves it torn or empty), its directory
// is not: the map only matters while its containers run, and a host crash ends them all, so a
// rename lost with it costs nothing (an allocation lost: its container no longer runs; a release
// lost: the address stays held by a container that ended, until its `rm` or `start` releases it,
// or `system check --fix` for one already removed). That spares two disk flushes per container. A file that is damaged is reported, and one that is missing while containers of the
// network run is not made again empty (it would hand their addresses out a second time).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Ipam, Kernel, NetworkInfo } from '../../hooks/index.js';
import { writeJsonAtomic } from '../../hooks/atomic-file.js';
import { StateFileError, matching, object, readStateFileIfExists, recordOf, string } from '../../hooks/state-file.js';
import { MydockerError } from '../errors.js';
import { withFileLock } from '../../hooks/file-lock.js';
import { addressAt, broadcastOf, contains, formatAddress, offsetOf, parseAddress, parseSubnet, subnetSize, type Subnet } from '../../hooks/ipv4.js';

interface IpamFile {
  subnet: string;
  /** base64 of the bitmap: bit i (byte i>>3, mask 1<<(i&7)) is address network+i. */
  bitmap: string;
  owners: Record<string, string>;
}

const ipamFileCheck = object({
  subnet: string,
  bitmap: matching(/^[A-Za-z0-9+/]*={0,2}$/, 'base64'),
  owners: recordOf(matching(/^.+$/, 'an owner (a container ID)')),
});

/** The running containers attached to a network (names), to tell a lost address map from a new one. */
export type AttachedContainers = (network: NetworkInfo) => string[];

export class BitmapIpam implements Ipam {
  constructor(
    private readonly networksDir: string,
    private readonly kernel: Pick<Kernel, 'flock'>,
    private readonly attached: AttachedContainers = () => [],
  ) {}

  /**
   * Writes a new network's map (its reserved addresses set): from then on a missing one is a loss.
   * The caller holds the networks' lock already (network create), which this lock file is.
   */
  create(network: NetworkInfo): void {
    if (this.read(network) !== null) return;
    const { bitmap, data } = this.load(network, true);
    this.save(network, bitmap, data);
  }

  private file(network: NetworkInfo): string {
    return path.join(this.networksDir, network.id, 'ipam.json');
  }

  private lockFile(): string {
    return path.join(this.networksDir, 'lock');
  }

  allocate(network: NetworkInfo, owner: string, requested: string | null): Promise<string> {
    return withFileLock(this.kernel, this.lockFile(), async () => {
      // `network rm` holds this lock while it checks for members and deletes: a network gone by now
      // must not get its address file (nor, after, its bridge and rules) made again by this run.
      if (!fs.existsSync(path.join(this.networksDir, network.id, 'network.json'))) {
        throw new MydockerError(`network ${network.name} not found: it was removed`, { hint: 'see: mydocker network ls' });
      }
      const { subnet, bitmap, data } = this.load(network);
      let offset: number;
      if (requested !== null) {
        const address = parseAddress(requested);
        if (address === null) throw new MydockerError(`invalid IP address "${requested}"`, { hint: 'give an IPv4 address, e.g. --ip 172.18.0.10' });
        if (!contains(subnet, address)) {
          throw new MydockerError(`address ${requested} is not in network ${network.name}'s subnet ${network.subnet}`);
        }
        offset = offsetOf(subnet, address);
        if (isSet(bitmap, offset)) {
          const holder = data.owners[requested];
          throw new MydockerError(`address ${requested} is already in use${holder ? ` by container ${holder.slice(0, 12)}` : ' (reserved)'}`, {
            hint: 'choose another address, or leave out --ip',
          });
        }
      } else {
        offset = firstClear(bitmap, subnetSize(subnet));
        if (offset < 0) {
          throw new MydockerError(`network ${network.name} (${network.subnet}) has no free address left`, {
            hint: 'remove containers from it, or create a network with a larger subnet',
          });
        }
      }
      setBit(bitmap, offset, true);
      const address = formatAddress(addressAt(subnet, offset));
      data.owners[address] = owner;
      this.save(network, bitmap, data);
      return address;
    });
  }

  release(network: NetworkInfo, owner: string): Promise<void> {
    return withFileLock(this.kernel, this.lockFile(), async () => {
      // Read once (the lock is every run's and rm's of the root): none, nothing is held (or the map
      // is lost: nothing to free).
      const onDisk = this.read(network);
      if (onDisk === null) return;
      const { subnet, bitmap, data } = this.load(network, false, onDisk);
      let changed = false;
      for (const [address, holder] of Object.entries(data.owners)) {
        if (holder !== owner) continue;
        setBit(bitmap, offsetOf(subnet, parseAddress(address)!), false);
        delete data.owners[address];
        changed = true;
      }
      if (changed) this.save(network, bitmap, data);
    });
  }

  async allocated(network: NetworkInfo): Promise<Array<{ address: string; owner: string }>> {
    const data = this.read(network);
    return data === null ? [] : Object.entries(data.owners).map(([address, owner]) => ({ address, owner }));
  }

  /** The map on disk, checked; null when there is none. */
  private read(network: NetworkInfo): IpamFile | null {
    return readStateFileIfExists(this.file(network), ipamFileCheck, this.hint(network));
  }

  private hint(network: NetworkInfo): string {
    return `stop the containers of network ${network.name}, then remove the file: it is made again, empty, on the next run`;
  }

  /**
   * The bitmap as it is on disk, or a new one with the reserved addresses set: for a network that
   * never had one (made by an older mydocker), not for one whose map was lost while its
   * containers run (they hold addresses it no longer shows).
   */
  private load(network: NetworkInfo, isNew = false, data = this.read(network)): { subnet: Subnet; bitmap: Buffer; data: IpamFile } {
    const subnet = parseSubnet(network.subnet);
    if (!subnet) throw new MydockerError(`network ${network.name} has an invalid subnet "${network.subnet}"`);
    const size = subnetSize(subnet);
    if (data !== null) {
      const bitmap = Buffer.from(data.bitmap, 'base64');
      if (data.subnet === network.subnet && bitmap.length === Math.ceil(size / 8)) return { subnet, bitmap, data };
      throw new StateFileError(this.file(network), `it does not match network ${network.name}'s subnet ${network.subnet}`, this.hint(network));
    }
    const running = isNew ? [] : this.attached(network);
    if (running.length > 0) {
      throw new StateFileError(
        this.file(network),
        `missing, while network ${network.name} has running containers (${running.join(', ')}): the addresses they hold are not known`,
        'stop them (or restore the file); the map is then made again',
      );
    }
    const bitmap = Buffer.alloc(Math.ceil(size / 8));
    setBit(bitmap, 0, true); // the network address
    setBit(bitmap, offsetOf(subnet, broadcastOf(subnet)), true);
    const gateway = parseAddress(network.gateway);
    if (gateway !== null && contains(subnet, gateway)) setBit(bitmap, offsetOf(subnet, gateway), true);
    // Bits past the end of a subnet smaller than a byte stay set: never handed out.
    for (let i = size; i < bitmap.length * 8; i++) setBit(bitmap, i, true);
    return { subnet, bitmap, data: { subnet: network.subnet, bitmap: '', owners: {} } };
  }

  private save(network: NetworkInfo, bitmap: Buffer, data: IpamFile): void {
    fs.mkdirSync(path.dirname(this.file(network)), { recursive: true, mode: 0o700 });
    writeJsonAtomic(this.file(network), { ...data, bitmap: bitmap.toString('base64') }, { untorn: true });
  }
}

function isSet(bitmap: Buffer, i: number): boolean {
  return (bitmap[i >> 3]! & (1 << (i & 7))) !== 0;
}

function setBit(bitmap: Buffer, i: number, value: boolean): void {
  if (value) bitmap[i >> 3]! |= 1 << (i & 7);
  else bitmap[i >> 3]! &= ~(1 << (i & 7));
}

/** The first clear bit below `size`, a byte at a time: a full /16 is 8 KiB to scan at most. */
function firstClear(bitmap: Buffer, size: number): number {
  for (let byte = 0; byte < bitmap.length; byte++) {
    if (bitmap[byte] === 0xff) continue;
    for (let bit = 0; bit < 8; bit++) {
      const i = byte * 8 + bit;
      if (i < size && !isSet(bitmap, i)) return i;
    }
  }
  return -1;
}
