// Relays between a pty master (the container's terminal) and the user's streams, in the runtime
// process. Raw mode on the user's side is the caller's business (the CLI sets and restores it);
// here: bytes both ways, and the window size following the user's terminal.
import * as tty from 'node:tty';
import type { Kernel } from '../../hooks/index.js';

export interface TerminalStreams {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** The user's terminal size now, or null when output is not a terminal. */
  size(): { rows: number; cols: number } | null;
  /** Subscribe to size changes; returns the unsubscribe. */
  onResize(listener: () => void): () => void;
}

/**
 * Resolves when the container side of the pty is closed by every process (reads give EIO), that is
 * when the container has ended and all its output has been copied.
 */
export function relayTerminal(kernel: Kernel, master: number, streams: TerminalStreams): Promise<void> {
  const resize = (): void => {
    const size = streams.size();
    if (size) {
      try {
        kernel.setWindowSize(master, size.rows, size.cols);
      } catch {
        // The pty is gone: the container ended between the signal and now.
      }
    }
  };
  resize();
  const unsubscribe = streams.onResize(resize);

  // One handle on the master, both ways: tty.ReadStream is a duplex net.Socket. (Never set it to
  // raw mode: the master's own mode is irrelevant, the container's side has the line discipline.)
  const masterStream = new tty.ReadStream(master);
  const onInput = (chunk: Buffer | string): void => {
    masterStream.write(chunk);
  };
  streams.input.on('data', onInput);
  streams.input.resume();

  return new Promise((resolve) => {
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      unsubscribe();
      streams.input.off('data', onInput);
      streams.input.pause();
      masterStream.destroy();
      resolve();
    };
    masterStream.on('data', (chunk: Buffer) => streams.output.write(chunk));
    masterStream.on('error', finish); // EIO: no process holds the slave any more
    masterStream.on('end', finish);
    masterStream.on('close', finish);
  });
}
