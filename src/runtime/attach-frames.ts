// The frames a detached container's shim sends an attacher when the container has no terminal
// (Docker's multiplexed stream): a byte 1 (stdout) or 2 (stderr), three zero bytes, a big-endian
// u32 length, then that many bytes. Read here across chunk boundaries.

export type OutputStream = 'stdout' | 'stderr';

/** A reader of frames: feed it the socket's chunks; it calls `onFrame` with each whole frame. */
export function frameReader(onFrame: (stream: OutputStream, data: Buffer) => void): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 8) {
      const length = pending.readUInt32BE(4);
      if (pending.length < 8 + length) break;
      const kind = pending[0];
      if (kind !== 1 && kind !== 2) throw new Error(`not an attach stream: frame of kind ${kind}`);
      onFrame(kind === 1 ? 'stdout' : 'stderr', pending.subarray(8, 8 + length));
      pending = pending.subarray(8 + length);
    }
  };
}

/** One frame (for tests, and anything that speaks the shim's side). */
export function frame(stream: OutputStream, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head[0] = stream === 'stdout' ? 1 : 2;
  head.writeUInt32BE(data.length, 4);
  return Buffer.concat([head, data]);
}
