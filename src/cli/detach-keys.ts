// The detach keys of `attach` (Docker's default ctrl-p,ctrl-q): typed in a row on the caller's
// terminal they end the attachment and leave the container running; they never reach the container.
// A prefix of them followed by another key is passed on whole, as Docker does.
import { MydockerError } from '../errors.js';

export const DEFAULT_DETACH_KEYS = 'ctrl-p,ctrl-q';

/** "ctrl-p,ctrl-q" as bytes: ctrl-@, ctrl-a…ctrl-z, ctrl-[, ctrl-\, ctrl-], ctrl-^, ctrl-_, or one character. */
export function parseDetachKeys(spec: string): Buffer {
  const bytes = spec.split(',').map((key) => {
    const ctrl = /^ctrl-(.)$/i.exec(key);
    if (ctrl) {
      const c = ctrl[1]!.toLowerCase();
      if (c >= 'a' && c <= 'z') return c.charCodeAt(0) - 0x60;
      const special = '@[\\]^_'.indexOf(c);
      if (special >= 0) return [0, 27, 28, 29, 30, 31][special]!;
    } else if (key.length === 1) {
      return key.charCodeAt(0);
    }
    throw new MydockerError(`invalid detach keys "${spec}"`, { hint: 'e.g. ctrl-p,ctrl-q: ctrl-<a-z, @, [, \\, ], ^, _> or single characters, comma-separated' });
  });
  return Buffer.from(bytes);
}

/**
 * A scanner of the caller's input: `scan(chunk)` returns what to pass on, and whether the keys
 * were typed (what came after them is dropped).
 */
export function detachScanner(keys: Buffer): (chunk: Buffer) => { pass: Buffer; detach: boolean } {
  let matched = 0;
  return (chunk) => {
    const out: number[] = [];
    for (const byte of chunk) {
      if (byte === keys[matched]) {
        matched++;
        if (matched === keys.length) return { pass: Buffer.from(out), detach: true };
        continue;
      }
      // Not the next key: what was held goes on (and this byte may start the keys again).
      out.push(...keys.subarray(0, matched));
      matched = 0;
      if (byte === keys[0]) matched = 1;
      else out.push(byte);
    }
    return { pass: Buffer.from(out), detach: false };
  };
}
