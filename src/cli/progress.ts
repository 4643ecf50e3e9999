// A one-line progress display on stderr for long transfers (import, load, save, pull), shown only
// when stderr is a terminal and redrawn at most ten times a second.
import { humanSize } from './format.js';

export interface Progress {
  update(bytes: number, total: number | null): void;
  done(): void;
}

export function progress(label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return { update: () => {}, done: () => {} };
  let last = 0;
  let shown = false;
  const draw = (bytes: number, total: number | null): void => {
    const width = 30;
    const bar = total ? `[${'='.repeat(Math.min(width, Math.round((bytes / total) * width))).padEnd(width)}] ` : '';
    stream.write(`\r\x1b[K${label} ${bar}${humanSize(bytes)}${total ? ` / ${humanSize(total)}` : ''}`);
    shown = true;
  };
  let latest: [number, number | null] = [0, null];
  return {
    update: (bytes, total) => {
      latest = [bytes, total];
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      draw(bytes, total);
    },
    done: () => {
      if (shown) {
        draw(...latest);
        stream.write('\n');
      }
    },
  };
}
