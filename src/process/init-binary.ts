// The descriptor every container process is started from: a sealed in-memory copy of
// dist/shim/mydocker-init, made once per runtime process. Started as /proc/self/fd/N, the init's
// /proc/<pid>/exe is that copy, not the file on the host: a process in the container that re-runs
// it (a `#!/proc/self/exe` entrypoint) and later opens it for writing meets the seals, instead of
// overwriting the host's binary (runc's CVE-2019-5736).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MFD, SEAL, type Kernel } from '../../hooks/index.js';
import { MydockerError } from '../errors.js';

/** Where `npm run build` puts the init. */
export const INIT_BINARY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../shim/mydocker-init');

export { INIT_FD, INIT_PATH } from './first-process.js';

let sealed: number | undefined;

/** A close-on-exec, sealed memfd holding the init; the same one for the life of this process. */
export function sealedInit(kernel: Kernel, binary = INIT_BINARY): number {
  sealed ??= copyToSealedMemfd(kernel, binary);
  return sealed;
}

/** A new sealed copy of `binary` (what sealedInit makes once; the benchmark measures it). */
export function copyToSealedMemfd(kernel: Kernel, binary: string): number {
  let image: Buffer;
  try {
    image = fs.readFileSync(binary);
  } catch (error) {
    throw new MydockerError(`cannot read ${binary}: ${(error as NodeJS.ErrnoException).code ?? error}`, {
      hint: 'install gcc and libc6-dev, then run: npm run build',
    });
  }
  const fd = kernel.memfdCreate('mydocker-init', MFD.CLOEXEC | MFD.ALLOW_SEALING);
  try {
    for (let done = 0; done < image.length; ) done += fs.writeSync(fd, image, done);
    fs.fchmodSync(fd, 0o555);
    kernel.addSeals(fd, SEAL.WRITE | SEAL.SHRINK | SEAL.GROW | SEAL.SEAL);
  } catch (error) {
    fs.closeSync(fd);
    throw error;
  }
  return fd;
}
