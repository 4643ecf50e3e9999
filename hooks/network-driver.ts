// Networks as plugins see them: a network's record, the network driver interface (the built-in
// "bridge" driver is in plugins/) with the contexts its methods receive, the state root's
// registry of networks (`api.networks`) and its bitmap IPAM. Types only.
import type { ContainerInfo, PluginState } from './container.js';
import type { Kernel } from './kernel.js';

/**
 * A network as the state root keeps it (`<root>/networks/<id>/network.json`). Created by `network
 * create` (or, for the default network "bridge", on first use), served by the driver it names.
 */
export interface NetworkInfo {
  readonly id: string;
  readonly name: string;
  /** The network driver's name ("bridge", or a plugin's). */
  readonly driver: string;
  /** IPv4 subnet in CIDR form, e.g. "172.18.0.0/16". */
  readonly subnet: string;
  /** The gateway address inside the subnet (the bridge's own address for "bridge"). */
  readonly gateway: string;
  readonly created: string;
  /** The default network a container joins without --net. */
  readonly isDefault: boolean;
  /** `network create -o KEY=VALUE` options, for the driver to interpret. */
  readonly options: Readonly<Record<string, string>>;
}

/**
 * A published port: `-p [hostIp:][hostPort:]containerPort[/protocol]`. As a request (JoinContext's
 * `ports`), hostIp is '' when the spec names none (every host address, IPv4 and IPv6, as Docker's
 * empty HostIp) and hostPort 0 when it names none (the driver picks a free one). As a binding (what
 * the driver published, JoinContext's `published`), both are concrete: one address ('0.0.0.0' and
 * '::' for all of a family) and one port.
 */
export interface PortMapping {
  readonly hostIp: string;
  readonly hostPort: number;
  readonly containerPort: number;
  readonly protocol: 'tcp' | 'udp';
}

interface NetworkContextBase {
  readonly network: NetworkInfo;
  /** The driver's own state for this network (a bridge name, ...): createNetwork fills it, the core saves it with the network. */
  readonly state: PluginState;
  readonly kernel: Kernel;
}

/** createNetwork and deleteNetwork. */
export type NetworkContext = NetworkContextBase;

/** allocateAddress and releaseAddress. The owner is the container's ID. */
export interface AddressContext {
  readonly network: NetworkInfo;
  readonly owner: string;
}

/** join: the container's first process exists in its own network namespace; its command has not started. */
export interface JoinContext extends NetworkContextBase {
  readonly container: ContainerInfo;
  /** Host PID of the container's first process: its namespace is /proc/<pid>/ns/net. */
  readonly pid: number;
  /** The address allocateAddress returned for this container. */
  readonly address: string;
  readonly ports: readonly PortMapping[];
  /**
   * Where the driver records the bindings it publishes, concrete (host ports picked for 0 given),
   * before it makes them: the network plugin saves them, and `port`, `ps` and `inspect` show them.
   */
  readonly published: PortMapping[];
  /** This container's state for this driver (what leave needs); saved with the container. */
  readonly endpoint: PluginState;
}

/**
 * leave: the container has ended or is being removed. Must work after a crash half-way through
 * join, from names derived from the container ID rather than from `endpoint` alone, and must
 * tolerate what is already gone (the kernel deletes a veth whose namespace died).
 */
export interface LeaveContext extends NetworkContextBase {
  readonly container: ContainerInfo;
  readonly endpoint: PluginState;
  readonly errors: Error[];
}

/**
 * A network driver connects containers of the networks created with `--driver NAME`. Registered by
 * a plugin with `api.registerNetworkDriver`; the built-in "bridge" driver is one. Every method may
 * throw: its caller reports it with the driver's message (join and leave are called by the
 * mydocker:network plugin's taps, so a failure there is that tap's) and what was done is unwound.
 */
export interface NetworkDriver {
  readonly name: string;
  /** Make what the network needs on the host (a bridge, firewall rules). Idempotent: it also re-creates them after a reboot. */
  createNetwork(ctx: NetworkContext): Promise<void>;
  /** Remove all of it. No container is attached any more. Best effort, idempotent. */
  deleteNetwork(ctx: NetworkContext): Promise<void>;
  /** An address for `owner` in the network's subnet: `requested` (from --ip) or any free one. */
  allocateAddress(ctx: AddressContext, requested: string | null): Promise<string>;
  /** Frees every address `owner` holds in the network. Idempotent. */
  releaseAddress(ctx: AddressContext): Promise<void>;
  /** Connects the container (links, addresses, routes, published ports). */
  join(ctx: JoinContext): Promise<void>;
  /** Undoes join. */
  leave(ctx: LeaveContext): Promise<void>;
}

/** The networks of a state root, as plugins see them (`api.networks`). */
export interface Networks {
  /** By name, ID or unique ID prefix; null when none. */
  find(ref: string): NetworkInfo | null;
  /** Every network of the state root, oldest first. */
  all(): NetworkInfo[];
  /** The default network ("bridge"), created (record and driver's createNetwork) on first use. */
  ensureDefault(): Promise<NetworkInfo>;
  /** A registered network driver; throws naming the available ones when there is none of that name. */
  driver(name: string): NetworkDriver;
  /** The driver's saved state of a network (what its createNetwork stored). */
  driverState(network: NetworkInfo): PluginState;
  /** The bitmap IPAM, for drivers that do not bring their own. */
  readonly ipam: Ipam;
}

/**
 * The state root's bitmap IPAM, for drivers to allocate from: one bit per address of the subnet, the
 * network, gateway and broadcast addresses reserved, persisted under the state root and safe under
 * concurrent processes (a file lock around each call).
 */
export interface Ipam {
  /**
   * An address for `owner`: `requested` if free (refused otherwise), else the lowest free one.
   * Refused when the network was removed meanwhile: taken under the lock `network rm` holds, this
   * is the container's membership, and what that removal checks.
   */
  allocate(network: NetworkInfo, owner: string, requested: string | null): Promise<string>;
  /** Frees every address `owner` holds. Idempotent. */
  release(network: NetworkInfo, owner: string): Promise<void>;
  /** The addresses in use, with their owners. */
  allocated(network: NetworkInfo): Promise<Array<{ address: string; owner: string }>>;
}
