// A pass-through stream that reports how many bytes went through it (for progress displays).
import { Transform } from 'node:stream';

export type ProgressListener = (bytes: number, total: number | null) => void;

export function countingStream(total: number | null, listener: ProgressListener, start = 0): Transform {
  let bytes = start;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      listener(bytes, total);
      callback(null, chunk);
    },
  });
}
