// A minimal rtnetlink client: the few link, address and route requests the bridge network needs,
// encoded by hand (rtnl-encode.ts) and sent on a raw NETLINK_ROUTE socket through the kernel
// interface (ctx.kernel: send and recv of libc). No package is loaded: the `netlink` package's
// socket alone cost ~7 ms to load (its native addon), more than all the requests of a run.
// rtnetlink answers a request within the sender's own sendmsg(), so each request is a send and
// the receives of its already queued answer, synchronously; the socket's receive timeout bounds a
// wait that should never happen. The methods still return promises: callers need not care.
import * as fs from 'node:fs';
import { getSystemErrorName } from 'node:util';
import { endianness } from 'node:os';
import { enterNamespaceFds, type Kernel, type NamespaceKernel } from '../../../hooks/index.js';
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
const NLM_F_REQUEST = 0x1;
const NLM_F_ACK = 0x4;
const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;
const NLMSG_HDRLEN = 16;
/** A reply's receive wait, at most: rtnetlink has answered before send() returns. */
const RECEIVE_TIMEOUT_MS = 5000;
const LE = endianness() === 'LE';

/** What a route socket needs of the kernel interface (ctx.kernel has it all). */
export type RtnlKernel = Pick<Kernel, 'netlinkSocket' | 'send' | 'receive'>;

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
  /** Closes the socket (its fd at once); later requests reject with EBADF. */
  close(): void;
}

/** The errno name of a failure: a kernel call's KernelError (or any error) with a string `code`. */
function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'EIO';
}

/** Creates the socket; synchronous, which openRtnlIn relies on (socket() in the other namespace). */
function createSocket(kernel: RtnlKernel): number {
  try {
    return kernel.netlinkSocket(NETLINK_ROUTE, RECEIVE_TIMEOUT_MS);
  } catch (error) {
    throw new RtnlError('opening a route socket', errorCode(error), { cause: error });
  }
}

function u16(buf: Buffer, offset: number): number {
  return LE ? buf.readUInt16LE(offset) : buf.readUInt16BE(offset);
}
function u32(buf: Buffer, offset: number): number {
  return LE ? buf.readUInt32LE(offset) : buf.readUInt32BE(offset);
}

/** The 16-byte nlmsghdr in front of a payload: length, type, flags (REQUEST|ACK added), sequence, port 0. */
export function frame(type: number, flags: number, seq: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(NLMSG_HDRLEN);
  const length = NLMSG_HDRLEN + payload.length;
  const all = flags | NLM_F_REQUEST | NLM_F_ACK;
  if (LE) {
    head.writeUInt32LE(length, 0);
    head.writeUInt16LE(type, 4);
    head.writeUInt16LE(all, 6);
    head.writeUInt32LE(seq, 8);
  } else {
    head.writeUInt32BE(length, 0);
    head.writeUInt16BE(type, 4);
    head.writeUInt16BE(all, 6);
    head.writeUInt32BE(seq, 8);
  }
  return Buffer.concat([head, payload]);
}

/**
 * Reads one datagram's messages for sequence `seq`: the payloads of its replies, and whether it
 * ended the request (the ACK, an error, or DONE). A kernel error throws its errno name.
 */
export function parseAnswer(datagram: Buffer, seq: number, operation: string): { payloads: Buffer[]; done: boolean } {
  const payloads: Buffer[] = [];
  let done = false;
  for (let at = 0; at + NLMSG_HDRLEN <= datagram.length; ) {
    const length = u32(datagram, at);
    if (length < NLMSG_HDRLEN || at + length > datagram.length) throw new RtnlError(operation, 'EBADMSG');
    const type = u16(datagram, at + 4);
    if (u32(datagram, at + 8) === seq) {
      if (type === NLMSG_ERROR) {
        const errno = readS32(datagram, at + NLMSG_HDRLEN);
        if (errno !== 0) throw new RtnlError(operation, errnoName(errno));
        done = true;
      } else if (type === NLMSG_DONE) {
        done = true;
      } else {
        payloads.push(datagram.subarray(at + NLMSG_HDRLEN, at + length));
      }
    }
    at += (length + 3) & ~3; // NLMSG_ALIGN
  }
  return { payloads, done };
}

function errnoName(negative: number): string {
  try {
    return getSystemErrorName(negative);
  } catch {
    return `errno ${-negative}`;
  }
}

class RouteSocket implements Rtnl {
  private closed = false;
  private seq = 0;
  /** Large enough for a link's whole RTM_NEWLINK answer (~2 KiB with its statistics). */
  private readonly buffer = Buffer.alloc(32 * 1024);

  constructor(
    private readonly kernel: RtnlKernel,
    private readonly fd: number,
  ) {}

  /** Sends one request and returns the answer's payloads (none for a plain ACK). */
  private request(type: number, payload: Buffer, flags: number, operation: string): Promise<Uint8Array[]> {
    try {
      return Promise.resolve(this.exchange(type, payload, flags, operation));
    } catch (error) {
      return Promise.reject(error instanceof RtnlError ? error : new RtnlError(operation, errorCode(error), { cause: error }));
    }
  }

  private exchange(type: number, payload: Buffer, flags: number, operation: string): Buffer[] {
    if (this.closed) throw new RtnlError(operation, 'EBADF');
    const seq = ++this.seq;
    this.kernel.send(this.fd, frame(type, flags, seq, payload));
    const payloads: Buffer[] = [];
    for (;;) {
      const n = this.kernel.receive(this.fd, this.buffer);
      if (n > this.buffer.length) throw new RtnlError(operation, 'EMSGSIZE');
      const answer = parseAnswer(this.buffer.subarray(0, n), seq, operation);
      payloads.push(...answer.payloads.map((p) => Buffer.from(p)));
      if (answer.done) return payloads;
    }
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
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
  }
}

/** A socket in the calling thread's current network namespace. */
export function openRtnl(kernel: RtnlKernel): Rtnl {
  return new RouteSocket(kernel, createSocket(kernel));
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
 * `netnsFd`, creates the socket (a netlink socket stays bound to the namespace it was created in,
 * whatever thread later uses it) and setns()es back, through enterNamespaceFds
 * (hooks/namespaces.ts). `setns` must throw on failure. If the way back fails the process would
 * run on in the wrong namespace, so that throws an Error saying it is stranded.
 */
export function openRtnlIn(kernel: RtnlKernel, netnsFd: number, setns: (fd: number, nstype: number) => void): Rtnl {
  const homeStat = fs.statSync('/proc/thread-self/ns/net');
  const nsKernel: NamespaceKernel = { setns: checkedSetns(setns), unshare: notNeeded('unshare'), fchdir: notNeeded('fchdir') };
  const inside = enterNamespaceFds(nsKernel, [{ fd: netnsFd, nstype: CLONE_NEWNET }]); // if this throws we never left
  let socket: number | undefined;
  let failure: unknown;
  try {
    socket = createSocket(kernel);
  } catch (error) {
    failure = error;
  }
  try {
    inside.leave();
    // Trust but verify: the thread must be back in the namespace it started in.
    const now = fs.statSync('/proc/thread-self/ns/net');
    if (now.ino !== homeStat.ino || now.dev !== homeStat.dev) throw new Error('still in another network namespace after setns');
  } catch (error) {
    if (socket !== undefined) fs.closeSync(socket);
    throw new Error(
      `netlink: cannot return to the original network namespace after opening a socket in namespace fd ${netnsFd}; ` +
        `the process is stranded in another network namespace: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  if (socket === undefined) throw failure;
  return new RouteSocket(kernel, socket);
}
