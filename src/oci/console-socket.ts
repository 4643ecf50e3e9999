// The bytes of the one message `create --console-socket` sends (runc's protocol, which containerd's
// shim reads): a name ("/dev/ptmx", as runc sends) as the data, and the pty master as one
// SCM_RIGHTS descriptor in the control part; and the unix socket address it is sent to. Pure
// (x86-64 and arm64 layouts: 64-bit pointers and size_t); src/kernel/unix-socket.ts sends it.

export const CONSOLE_NAME = '/dev/ptmx';
const AF_UNIX = 1;
const SOL_SOCKET = 1;
const SCM_RIGHTS = 1;
/** sizeof(struct cmsghdr): size_t cmsg_len, int cmsg_level, int cmsg_type. */
const CMSG_HEADER = 16;
/** sun_path's size in struct sockaddr_un. */
const SUN_PATH = 108;

/** CMSG_SPACE(4): one int of data after the header, padded to 8 bytes. */
export function rightsMessage(fd: number): Buffer {
  const control = Buffer.alloc(CMSG_HEADER + 8);
  control.writeBigUInt64LE(BigInt(CMSG_HEADER + 4), 0); // CMSG_LEN(sizeof(int))
  control.writeInt32LE(SOL_SOCKET, 8);
  control.writeInt32LE(SCM_RIGHTS, 12);
  control.writeInt32LE(fd, 16);
  return control;
}

/** struct sockaddr_un for a path; the length to pass with it is the whole struct's. */
export function unixAddress(socketPath: string): Buffer {
  const bytes = Buffer.from(socketPath);
  if (bytes.length === 0 || bytes.length >= SUN_PATH) throw new Error(`console socket path "${socketPath}" must be 1 to ${SUN_PATH - 1} bytes long`);
  const address = Buffer.alloc(2 + SUN_PATH);
  address.writeUInt16LE(AF_UNIX, 0);
  bytes.copy(address, 2);
  return address;
}

/**
 * struct msghdr with no address (the socket is connected), one iovec and the control part, given
 * the native addresses of the iovec and the control buffer.
 */
export function messageHeader(iov: bigint, control: bigint, controlLength: number): Buffer {
  const header = Buffer.alloc(56);
  header.writeBigUInt64LE(0n, 0); // msg_name
  header.writeUInt32LE(0, 8); // msg_namelen
  header.writeBigUInt64LE(iov, 16); // msg_iov
  header.writeBigUInt64LE(1n, 24); // msg_iovlen
  header.writeBigUInt64LE(control, 32); // msg_control
  header.writeBigUInt64LE(BigInt(controlLength), 40); // msg_controllen
  header.writeInt32LE(0, 48); // msg_flags
  return header;
}

/** struct iovec: base address and length. */
export function ioVector(base: bigint, length: number): Buffer {
  const iov = Buffer.alloc(16);
  iov.writeBigUInt64LE(base, 0);
  iov.writeBigUInt64LE(BigInt(length), 8);
  return iov;
}
