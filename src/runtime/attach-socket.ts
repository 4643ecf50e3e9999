// Where a detached container's shim serves its stdio to attachers: a unix socket in the
// container's state directory (0700: root only). A state directory's path may be longer than a
// socket address holds (108 bytes), so both ends reach it through a descriptor of the directory,
// /proc/self/fd/N/attach.sock.
import * as fs from 'node:fs';
import * as path from 'node:path';

export const ATTACH_SOCKET = 'attach.sock';

/** The handshake byte the runtime sends with the pty master of a detached container with -t. */
export const TERMINAL_HANDOVER = 'T';
/** A connection that only sets the terminal's size: "W", then rows and columns (big-endian u16). */
export const TERMINAL_SIZE = 'W';
/** An attacher's handshake: with its input, or output only. */
export const ATTACH_WITH_INPUT = 'A';
export const ATTACH_OUTPUT_ONLY = 'O';

export function attachSocketPath(stateDir: string): string {
  return path.join(stateDir, ATTACH_SOCKET);
}

/** Runs `use` with a short path to the socket, valid until it settles. */
export async function viaShortPath<T>(socketPath: string, use: (shortPath: string) => T | Promise<T>): Promise<T> {
  const dir = fs.openSync(path.dirname(socketPath), fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  try {
    return await use(`/proc/self/fd/${dir}/${path.basename(socketPath)}`);
  } finally {
    fs.closeSync(dir);
  }
}

/** Hands a detached container's pty master to its shim (before its first process may go). */
export async function handTerminalToShim(socketPath: string, master: number): Promise<void> {
  const { sendDescriptor } = await import('../kernel/unix-socket.js');
  await viaShortPath(socketPath, (short) => sendDescriptor(short, TERMINAL_HANDOVER, master));
}
