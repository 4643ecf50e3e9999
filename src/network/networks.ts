// The networks of one state root: creating and removing them through their drivers, the default
// network made on first use, and the view of them plugins get (the Networks of hooks/). Every
// change holds the networks' file lock, so that two processes never pick the same name or subnet.
// Every command that loads plugins makes one (exec, rm, ...), so only the store is loaded with it:
// the IPAM, the host's routes and the address arithmetic are loaded by the calls that need them.
import type { Ipam, Kernel, NetworkDriver, NetworkInfo, Networks, PluginState } from '../../hooks/index.js';
import { stopPoint } from '../../hooks/stop-point.js';
import { MydockerError, describe } from '../errors.js';
import { nameProblem, newContainerId, quoteName } from '../container/ids.js';
import { NetworkStore, type NetworkRecord } from './store.js';
import { DEFAULT_NETWORK } from '../../hooks/network-options.js';
import type { HostRoute } from './host-routes.js';
import type { Subnet } from '../../hooks/ipv4.js';
import type { BitmapIpam } from './ipam.js';
import { StateFileError } from '../../hooks/state-file.js';

/** Not networks but modes: the host's own network namespace, or loopback only. */
export const NETWORK_MODES = ['host', 'none'] as const;

export interface CreateNetworkSpec {
  name: string;
  driver?: string;
  subnet?: string;
  gateway?: string;
  options?: Record<string, string>;
  /** Users' plugin files loaded now: a network of a plugin's driver needs it again later. */
  plugins?: string[];
}

/**
 * Where subnets are picked from when none is given, as Docker's default address pools: the /16s of
 * 172.17-31 and then /20s of 192.168. A candidate is skipped when it overlaps a network of this
 * root or a route of the host (which includes other roots' and other runtimes' bridges).
 */
export function* subnetPool(): Generator<Subnet> {
  // (172 << 24) overflows into the sign bit: >>> 0 makes it the unsigned address again.
  for (let b = 17; b <= 31; b++) yield { network: ((172 << 24) | (b << 16)) >>> 0, prefix: 16 };
  for (let c = 0; c < 256; c += 16) yield { network: ((192 << 24) | (168 << 16) | (c << 8)) >>> 0, prefix: 20 };
}

export interface NetworkManagerDeps {
  kernel: () => Pick<Kernel, 'flock'> & Kernel;
  driver: (name: string) => NetworkDriver;
  /** The host's routes; a parameter so tests can give their own. */
  routes?: () => HostRoute[];
  /** The running containers attached to a network (default: none known). */
  attached?: (network: NetworkInfo) => string[];
}

export class NetworkManager implements Networks {
  readonly store: NetworkStore;
  readonly ipam: Ipam;
  private readonly bitmapIpam: () => Promise<BitmapIpam>;

  constructor(
    networksDir: string,
    private readonly deps: NetworkManagerDeps,
  ) {
    this.store = new NetworkStore(networksDir);
    let loaded: Promise<BitmapIpam> | undefined;
    const ipam = (): Promise<BitmapIpam> =>
      (loaded ??= import('./ipam.js').then(({ BitmapIpam }) => new BitmapIpam(networksDir, { flock: (fd, op) => deps.kernel().flock(fd, op) }, deps.attached)));
    this.bitmapIpam = ipam;
    this.ipam = {
      allocate: async (network, owner, requested) => (await ipam()).allocate(network, owner, requested),
      release: async (network, owner) => (await ipam()).release(network, owner),
      allocated: async (network) => (await ipam()).allocated(network),
    };
  }

  find(ref: string): NetworkInfo | null {
    return this.store.find(ref)?.info ?? null;
  }

  all(): NetworkInfo[] {
    return this.store.list().map((r) => r.info);
  }

  driver(name: string): NetworkDriver {
    return this.deps.driver(name);
  }

  driverState(network: NetworkInfo): PluginState {
    return this.store.find(network.id)?.driverState ?? {};
  }

  list(): NetworkRecord[] {
    return this.store.list();
  }

  /** Holds the networks' lock for `body` (other processes and other calls of this one wait). */
  async withLock<T>(body: () => Promise<T>): Promise<T> {
    const { withFileLock } = await import('../../hooks/file-lock.js');
    return withFileLock(this.deps.kernel(), this.store.lockFile, body);
  }

  async create(spec: CreateNetworkSpec): Promise<NetworkInfo> {
    const problem = nameProblem(spec.name);
    if (problem) throw new MydockerError(`invalid network name ${quoteName(spec.name)}: ${problem}`);
    if (spec.name === DEFAULT_NETWORK || (NETWORK_MODES as readonly string[]).includes(spec.name)) {
      throw new MydockerError(`network name "${spec.name}" is reserved`, { exitCode: 1, hint: 'choose another name' });
    }
    const driverName = spec.driver ?? 'bridge';
    const driver = this.deps.driver(driverName); // an unknown driver is refused before anything exists
    return this.withLock(() => this.createLocked(spec, driver, false));
  }

  /** The default network, made on first use (record, address map, and its driver's host side). */
  ensureDefault(): Promise<NetworkInfo> {
    const existing = this.store.list().find((r) => r.info.isDefault);
    if (existing) return Promise.resolve(existing.info);
    return this.withLock(async () => {
      const { records, broken } = this.store.scan();
      const made = records.find((r) => r.info.isDefault);
      if (made) return made.info;
      // One that cannot be read may be the default network: a second one would take its place.
      const unknown = broken[0];
      if (unknown) throw new StateFileError(unknown.file, `${unknown.problem}; it may be the default network, which is not made again while it cannot be read`, unknown.hint);
      return this.createLocked({ name: DEFAULT_NETWORK }, this.deps.driver('bridge'), true);
    });
  }

  private async createLocked(spec: CreateNetworkSpec, driver: NetworkDriver, isDefault: boolean): Promise<NetworkInfo> {
    const others = this.store.list();
    const clash = others.find((r) => r.info.name === spec.name);
    if (clash) throw new MydockerError(`network with name ${spec.name} already exists`, { exitCode: 1, hint: 'choose another name, or remove that network' });
    const ipv4 = await import('../../hooks/ipv4.js');
    const subnet = this.chooseSubnet(spec, others, ipv4, (await import('./host-routes.js')).hostRoutes);
    const gateway = chooseGateway(subnet, spec.gateway, ipv4);
    const info: NetworkInfo = {
      id: newContainerId(),
      name: spec.name,
      driver: driver.name,
      subnet: ipv4.formatSubnet(subnet),
      gateway: ipv4.formatAddress(gateway),
      created: new Date().toISOString(),
      isDefault,
      options: spec.options ?? {},
    };
    const record: NetworkRecord = { info, driverState: {}, plugins: spec.plugins ?? [] };
    this.store.save(record);
    try {
      // The address map exists from the start: a missing one later is a loss, never "no address taken".
      (await this.bitmapIpam()).create(info);
      await driver.createNetwork({ network: info, state: record.driverState, kernel: this.deps.kernel() });
      this.store.save(record);
      return info;
    } catch (error) {
      // Undo what the driver may have made half-way, then the record: nothing is left.
      const ctx = { network: info, state: record.driverState, kernel: this.deps.kernel() };
      const undo = await driver.deleteNetwork(ctx).then(() => null, (e: unknown) => e);
      this.store.delete(info.id);
      const message = `network driver "${driver.name}" could not create network ${spec.name}: ${describe(error)}`;
      throw new MydockerError(undo ? `${message}; cleaning up also failed: ${describe(undo)}` : message, { cause: error });
    }
  }

  private chooseSubnet(spec: CreateNetworkSpec, others: NetworkRecord[], ipv4: Ipv4, hostRoutes: () => HostRoute[]): Subnet {
    const { formatSubnet, overlaps, parseSubnet } = ipv4;
    const taken = others.map((r) => ({ what: `network ${r.info.name}`, subnet: parseSubnet(r.info.subnet)! }));
    const routes = (this.deps.routes ?? hostRoutes)().map((r) => ({ what: `the host's route on ${r.device}`, subnet: r.subnet }));
    const conflict = (candidate: Subnet) => [...taken, ...routes].find((t) => overlaps(t.subnet, candidate));
    if (spec.subnet !== undefined) {
      const subnet = parseSubnet(spec.subnet);
      if (!subnet) {
        throw new MydockerError(`invalid subnet "${spec.subnet}"`, { hint: 'give an IPv4 network in CIDR form with its host bits zero, e.g. 172.28.0.0/16' });
      }
      if (subnet.prefix < 8 || subnet.prefix > 30) {
        throw new MydockerError(`subnet ${spec.subnet} is ${subnet.prefix < 8 ? 'too large' : 'too small'}`, { hint: 'use a prefix length from /8 to /30' });
      }
      const hit = conflict(subnet);
      if (hit) {
        throw new MydockerError(`subnet ${spec.subnet} overlaps ${hit.what} (${formatSubnet(hit.subnet)})`, { hint: 'choose a subnet that does not overlap' });
      }
      return subnet;
    }
    if (spec.gateway !== undefined) throw new MydockerError('--gateway needs --subnet', { hint: 'give the subnet the gateway belongs to' });
    for (const candidate of subnetPool()) if (!conflict(candidate)) return candidate;
    throw new MydockerError('no free subnet left in the default pools (172.17-31.0.0/16, 192.168.0.0/16)', { hint: 'give one with --subnet' });
  }

  /**
   * Removes a network through its driver. `usedBy` are the containers that still name it: refused
   * then, even stopped ones (starting them again would need it).
   */
  async remove(ref: string, usedBy: (network: NetworkInfo) => string[]): Promise<NetworkInfo> {
    if ((NETWORK_MODES as readonly string[]).includes(ref)) {
      throw new MydockerError(`${ref} is a pre-defined network and cannot be removed`, { exitCode: 1 });
    }
    return this.withLock(async () => {
      const record = this.store.find(ref);
      if (!record) throw new MydockerError(`no such network: ${ref}`, { exitCode: 1 });
      const users = usedBy(record.info);
      if (users.length > 0) {
        throw new MydockerError(`network ${record.info.name} has containers attached: ${users.join(', ')}`, {
          exitCode: 1,
          hint: 'remove those containers first',
        });
      }
      stopPoint('network-rm:checked');
      const driver = this.deps.driver(record.info.driver);
      await driver.deleteNetwork({ network: record.info, state: record.driverState, kernel: this.deps.kernel() });
      this.store.delete(record.info.id);
      return record.info;
    });
  }
}

type Ipv4 = typeof import('../../hooks/ipv4.js');

function chooseGateway(subnet: Subnet, given: string | undefined, ipv4: Ipv4): number {
  const { addressAt, broadcastOf, contains, formatSubnet, parseAddress } = ipv4;
  if (given === undefined) return addressAt(subnet, 1);
  const gateway = parseAddress(given);
  if (gateway === null) throw new MydockerError(`invalid gateway "${given}"`, { hint: 'give an IPv4 address inside the subnet' });
  if (!contains(subnet, gateway) || gateway === subnet.network || gateway === broadcastOf(subnet)) {
    throw new MydockerError(`gateway ${given} is not a host address of subnet ${formatSubnet(subnet)}`);
  }
  return gateway;
}
