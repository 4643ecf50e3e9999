// Sends one descriptor over a unix socket (SCM_RIGHTS), through libc on koffi: what
// `mydocker-runc create --console-socket` does with the pty master. connect() returns as soon as the
// peer's listen queue has it, and the message waits in the socket: the peer (containerd's shim)
// accepts only after `create` has returned, so nothing here may wait for it.
import { KernelError } from './kernel-error.js';
import { loadKoffi } from './koffi.js';
import { ioVector, messageHeader, rightsMessage, unixAddress } from '../oci/console-socket.js';

const AF_UNIX = 1;
const SOCK_STREAM_CLOEXEC = 1 | 0o2000000;

export function sendDescriptor(socketPath: string, name: string, fd: number): void {
  if (process.arch !== 'x64' && process.arch !== 'arm64') throw new Error(`sending a descriptor is not implemented on ${process.arch}`);
  const koffi = loadKoffi();
  const libc = koffi.load('libc.so.6');
  const socket = libc.func('int socket(int domain, int type, int protocol)');
  const connect = libc.func('int connect(int fd, const void *address, uint32_t length)');
  const sendmsg = libc.func('long sendmsg(int fd, const void *message, int flags)');
  const close = libc.func('int close(int fd)');

  const sock = socket(AF_UNIX, SOCK_STREAM_CLOEXEC, 0) as number;
  if (sock < 0) throw new KernelError('socket', koffi.errno(), 'AF_UNIX');
  // The iovec and the control part are pointed to from the header: they need native addresses.
  const data = Buffer.from(name);
  const control = rightsMessage(fd);
  const dataMem = koffi.alloc('uint8_t', data.length);
  const controlMem = koffi.alloc('uint8_t', control.length);
  const iovMem = koffi.alloc('uint8_t', 16);
  try {
    const address = unixAddress(socketPath);
    if ((connect(sock, address, address.length) as number) < 0) throw new KernelError('connect', koffi.errno(), socketPath);
    new Uint8Array(koffi.view(dataMem, data.length)).set(data);
    new Uint8Array(koffi.view(controlMem, control.length)).set(control);
    new Uint8Array(koffi.view(iovMem, 16)).set(ioVector(koffi.address(dataMem), data.length));
    const header = messageHeader(koffi.address(iovMem), koffi.address(controlMem), control.length);
    if (Number(sendmsg(sock, header, 0)) < 0) throw new KernelError('sendmsg', koffi.errno(), socketPath);
  } finally {
    koffi.free(dataMem);
    koffi.free(controlMem);
    koffi.free(iovMem);
    close(sock);
  }
}
