// `attach`: a connection to a running detached container's stdio, which its shim serves on a unix
// socket in the container's state directory (shim/mydocker-shim.c, "Attach"): the output as it is
// written (raw with a terminal, else in frames: attach-frames.ts), and with -i, the caller's input.
// What the caller does with it (raw mode, detach keys, signals) is the CLI's business.
import * as fs from 'node:fs';
import type { Socket } from 'node:net';
import { deriveStatus, isPaused } from '../container/status.js';
import { MydockerError } from '../errors.js';
import { ATTACH_OUTPUT_ONLY, ATTACH_WITH_INPUT, TERMINAL_SIZE, attachSocketPath, viaShortPath } from './attach-socket.js';
import type { RuntimeInternals } from './internals.js';

export interface Attachment {
  /** The container has a terminal: the socket carries its bytes raw; else frames (attach-frames.ts). */
  readonly tty: boolean;
  /** What is written to the socket reaches the container (it was run with -i, and stdin was asked for). */
  readonly stdin: boolean;
  /** Ends when the container's output does (or when the shim dropped a caller too slow to read). */
  readonly socket: Socket;
  /** With a terminal: sets its size (the container's foreground job gets SIGWINCH). */
  resize(rows: number, cols: number): Promise<void>;
}

export async function attachContainer(rt: RuntimeInternals, ref: string, options: { stdin: boolean }): Promise<Attachment> {
  const record = rt.containers.resolve(ref);
  if (deriveStatus(record) !== 'running') throw new MydockerError('cannot attach to a stopped container, start it first', { exitCode: 1 });
  if (isPaused(record)) throw new MydockerError('cannot attach to a paused container, unpause it first', { exitCode: 1 });
  if (!record.detached) {
    throw new MydockerError(`container ${record.name} runs in the foreground: its input and output are those of the command that ran it`, { exitCode: 1 });
  }
  const socketPath = attachSocketPath(rt.containers.dir(record.id));
  if (!fs.existsSync(socketPath)) {
    throw new MydockerError(`container ${record.name} was started without an attach socket`, { exitCode: 1, hint: `restart it: mydocker restart ${record.name}` });
  }
  const stdin = options.stdin && record.interactive;
  let socket: Socket;
  try {
    socket = await connect(socketPath);
  } catch (error) {
    // Its shim ended between the check and the connection: so did the container.
    throw new MydockerError(`cannot attach to container ${record.name}: ${(error as Error).message}`, { exitCode: 1 });
  }
  socket.write(stdin ? ATTACH_WITH_INPUT : ATTACH_OUTPUT_ONLY);
  const resize = async (rows: number, cols: number): Promise<void> => {
    if (!record.tty) return;
    const size = Buffer.alloc(5);
    size.write(TERMINAL_SIZE, 0, 'latin1');
    size.writeUInt16BE(Math.min(rows, 0xffff), 1);
    size.writeUInt16BE(Math.min(cols, 0xffff), 3);
    try {
      const connection = await connect(socketPath);
      connection.on('error', () => {});
      connection.end(size);
    } catch {
      // The container ended meanwhile: there is no terminal to size.
    }
  };
  return { tty: record.tty, stdin, socket, resize };
}

async function connect(socketPath: string): Promise<Socket> {
  const net = await import('node:net');
  return viaShortPath(
    socketPath,
    (short) =>
      new Promise<Socket>((resolve, reject) => {
        const connection = net.createConnection({ path: short });
        connection.once('error', reject);
        connection.once('connect', () => {
          connection.off('error', reject);
          resolve(connection);
        });
      }),
  );
}
