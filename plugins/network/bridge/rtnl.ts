// A minimal rtnetlink client: the few link, address and route requests the bridge network needs,
// encoded by hand (rtnl-encode.ts) and sent through the `netlink` package's plain NetlinkSocket.
// Only netlink/dist/netlink.js is loaded (~7 ms), lazily, instead of the package index (~55 ms)
// with its generated rtnetlink code.
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import type { NetlinkSocket } from 'netlink/dist/netlink.js';
import { enterNamespaceFds, type NamespaceKernel } from '../../../hooks/index.js';
import {
  encode,
  readS32,
  NLM_F_CREATE,
  NLM_F_EXCL,
  RTM_DELLINK,
  RTM_GETLINK,
  RTM_NEWADDR,
  RTM_NEWLINK,
  RTM_NEWROUTE,
  type VethOptions,
} from './rtnl-encode.js';

export { encode, type VethOptions } from './rtnl-encode.js';

const NETLINK_ROUTE = 0;
const CLONE_NEWNET = 0x40000000;

/** A failed rtnetlink request: `code` is the errno name the kernel answered (EEXIST, ENODEV, ...). */
export class RtnlError extends Error {
  override readonly name = 'RtnlError';
  readonly code: string;
  readonly operation: string;

  constructor(operation: string, code: string, options?: { cause?: unknown }) {
    super(`netlink: ${operation} failed: ${code}`, options);
    this.operation = operation;
    this.code = code;
  }
}

export interface Rtnl {
  /** Index of a link by name, or null when there is none. (RTM_GETLINK with IFLA_IFNAME; ENODEV -> null) */
  linkIndex(name: string): Promise<number | null>;
  /** RTM_NEWLINK kind "bridge", CREATE|EXCL. */
  createBridge(name: string): Promise<void>;
  /**
   * One RTM_NEWLINK kind "veth": the host end `hostName` in this socket's namespace, its peer created
   * directly inside the network namespace open at `peerNetnsFd` and named `peerName` there. `master`
   * (a bridge's index) and `up` apply to the host end, in the same request.
   */
  createVeth(hostName: string, peerName: string, peerNetnsFd: number, options?: VethOptions): Promise<void>;
  /** RTM_NEWLINK (no CREATE) on an existing link by index: up/down, master (0 detaches). */
  setLink(index: number, change: { up?: boolean; master?: number }): Promise<void>;
  /** RTM_NEWADDR IPv4, CREATE|EXCL: address "a.b.c.d" with its prefix length (broadcast computed). */
  addAddress(index: number, address: string, prefixLength: number): Promise<void>;
  /** RTM_NEWROUTE IPv4 default route via `gateway` (table main, proto boot), CREATE|EXCL. */
  addDefaultRoute(gateway: string): Promise<void>;
  /** RTM_DELLINK by name. false when there was no such link (ENODEV), true when deleted. */
  deleteLink(name: string): Promise<boolean>;
  /** Closes the socket (its fd at once); requests still waiting reject with ECANCELED. */
  close(): void;
}

type NetlinkModule = typeof import('netlink/dist/netlink.js');
let netlinkModule: NetlinkModule | undefined;

function loadNetlink(): NetlinkModule {
  netlinkModule ??= createRequire(import.meta.url)('netlink/dist/netlink.js') as NetlinkModule;
  return netlinkModule;
}

/**
 * The errno name of a failure: kernel refusals come from the netlink package as a plain
 * Error("Request rejected: EEXIST"), send/receive failures as errno exceptions with `.code`.
 */
function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  const match = /^Request rejected: (\S+)$/.exec(error instanceof Error ? error.message : String(error));
  return match?.[1] ?? 'EIO';
}

/** Creates the socket; synchronous, which openRtnlIn relies on (socket() and bind() in the constructor). */
function createSocket(): NetlinkSocket {
  const netlink = loadNetlink();
  try {
    // ref: false: an idle socket must not keep the process alive; the package refs it while a
    // request waits for its answer, so requests still complete. The buffer sizes are required by
    // the package's types, but 0 means "leave the kernel default" (raw.js skips falsy sizes).
    return netlink.createNetlink(NETLINK_ROUTE, { ref: false, recvBufferSize: 0, sendBufferSize: 0 });
  } catch (error) {
    throw new RtnlError('opening a route socket', errorCode(error), { cause: error });
  }
}

class RouteSocket implements Rtnl {
  /** Rejecters of the requests in flight, so close() or a socket error never leaves one hanging. */
  private readonly pending = new Set<(error: unknown) => void>();
  private closed = false;

  constructor(private readonly socket: NetlinkSocket) {
    // Without a listener an 'error' event (a failed recvmsg) would throw out of the event loop.
    // After one, answers may have been lost: fail what waits and give the socket up.
    socket.on('error', (error) => this.shutdown(error));
  }

  /** Sends one request and resolves with the answer's payloads (none for a plain ACK). */
  private request(type: number, payload: Buffer, flags: number, operation: string): Promise<Uint8Array[]> {
    return new Promise((resolve, reject) => {
      const fail = (error: unknown): void => {
        this.pending.delete(fail);
        reject(error instanceof RtnlError ? error : new RtnlError(operation, errorCode(error), { cause: error }));
      };
      if (this.closed) return fail(Object.assign(new Error('socket is closed'), { code: 'EBADF' }));
      this.pending.add(fail);
      this.socket.request(type, payload, { flags }).then(([messages]) => {
        this.pending.delete(fail);
        resolve(messages.map((m) => m.data));
      }, fail);
    });
  }

  async linkIndex(name: string): Promise<number | null> {
    try {
      const [reply] = await this.request(RTM_GETLINK, encode.linkByName(name), 0, `looking up link ${name}`);
      // The answer is an RTM_NEWLINK whose payload starts with struct ifinfomsg; ifi_index at 4.
      if (!reply || reply.length < 16) throw new RtnlError(`looking up link ${name}`, 'EBADMSG');
      return readS32(reply, 4);
    } catch (error) {
      if (error instanceof RtnlError && error.code === 'ENODEV') return null;
      throw error;
    }
  }

  async createBridge(name: string): Promise<void> {
    // Without CREATE|EXCL the kernel treats NEWLINK as "change an existing link": ENODEV.
    await this.request(RTM_NEWLINK, encode.newBridge(name), NLM_F_CREATE | NLM_F_EXCL, `creating bridge ${name}`);
  }

  async createVeth(hostName: string, peerName: string, peerNetnsFd: number, options: VethOptions = {}): Promise<void> {
    // The kernel applies ifi_flags and IFLA_MASTER when it creates a link (as `ip link add ...
    // master br up` does), so this is one round trip.
    const payload = encode.newVeth(hostName, peerName, peerNetnsFd, options);
    await this.request(RTM_NEWLINK, payload, NLM_F_CREATE | NLM_F_EXCL, `creating veth ${hostName} (peer ${peerName})`);
  }

  async setLink(index: number, change: { up?: boolean; master?: number }): Promise<void> {
    const what = [change.up === undefined ? '' : change.up ? 'up' : 'down', change.master === undefined ? '' : `master ${change.master}`];
    await this.request(RTM_NEWLINK, encode.setLink(index, change), 0, `setting link ${index} ${what.filter(Boolean).join(' ')}`.trimEnd());
  }

  async addAddress(index: number, address: string, prefixLength: number): Promise<void> {
    const payload = encode.address(index, address, prefixLength);
    await this.request(RTM_NEWADDR, payload, NLM_F_CREATE | NLM_F_EXCL, `adding address ${address}/${prefixLength} to link ${index}`);
  }

  async addDefaultRoute(gateway: string): Promise<void> {
    await this.request(RTM_NEWROUTE, encode.defaultRoute(gateway), NLM_F_CREATE | NLM_F_EXCL, `adding default route via ${gateway}`);
  }

  async deleteLink(name: string): Promise<boolean> {
    try {
      await this.request(RTM_DELLINK, encode.linkByName(name), 0, `deleting link ${name}`);
      return true;
    } catch (error) {
      if (error instanceof RtnlError && error.code === 'ENODEV') return false;
      throw error;
    }
  }

  close(): void {
    this.shutdown(Object.assign(new Error('socket closed'), { code: 'ECANCELED' }));
  }

  private shutdown(reason: unknown): void {
    if (this.closed) return;
    this.closed = true;
    // The package never settles requests cut off by close(); reject them here instead.
    for (const fail of [...this.pending]) fail(reason);
    // Closes the fd synchronously (after stopping its poll watcher).
    this.socket.close();
  }
}

/** A socket in the calling thread's current network namespace. */
export function openRtnl(): Rtnl {
  return new RouteSocket(createSocket());
}

/** setns through the injected function; a raw libc binding returning -1 must not pass for success. */
function checkedSetns(setns: (fd: number, nstype: number) => void): NamespaceKernel['setns'] {
  return (fd, nstype) => {
    const result = setns(fd, nstype) as unknown;
    if (typeof result === 'number' && result !== 0) throw new Error(`setns(${fd}, CLONE_NEWNET) returned ${result}`);
  };
}

/** Entering a network namespace alone needs neither (no mount namespace is involved). */
const notNeeded = (call: string) => (): never => {
  throw new Error(`${call} is not needed to enter a network namespace`);
};

/**
 * A socket in another network namespace: the main thread setns()s into the namespace open at
 * `netnsFd`, creates the socket (synchronously: a netlink socket stays bound to the namespace it
 * was created in, whatever thread later uses it) and setns()es back, through enterNamespaceFds
 * (hooks/namespaces.ts). `setns` must throw on failure. If the way back fails the process would
 * run on in the wrong namespace, so that throws an Error saying it is stranded.
 */
export function openRtnlIn(netnsFd: number, setns: (fd: number, nstype: number) => void): Rtnl {
  // Load the module first, so that only socket() and bind() run in the other namespace.
  loadNetlink();
  const homeStat = fs.statSync('/proc/thread-self/ns/net');
  const kernel: NamespaceKernel = { setns: checkedSetns(setns), unshare: notNeeded('unshare'), fchdir: notNeeded('fchdir') };
  const inside = enterNamespaceFds(kernel, [{ fd: netnsFd, nstype: CLONE_NEWNET }]); // if this throws we never left
  let socket: NetlinkSocket | undefined;
  let failure: unknown;
  try {
    socket = createSocket();
  } catch (error) {
    failure = error;
  }
  try {
    inside.leave();
    // Trust but verify: the thread must be back in the namespace it started in.
    const now = fs.statSync('/proc/thread-self/ns/net');
    if (now.ino !== homeStat.ino || now.dev !== homeStat.dev) throw new Error('still in another network namespace after setns');
  } catch (error) {
    socket?.close();
    throw new Error(
      `netlink: cannot return to the original network namespace after opening a socket in namespace fd ${netnsFd}; ` +
        `the process is stranded in another network namespace: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  if (!socket) throw failure;
  return new RouteSocket(socket);
}
