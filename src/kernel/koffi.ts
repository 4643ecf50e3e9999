// koffi, the one way the kernel modules (libc.ts, libseccomp.ts, unix-socket.ts) load it. Its entry
// point is JavaScript that finds the native module for this machine (it parses Node's own ELF
// header to tell glibc from musl) and wraps a few deprecated functions: 20-50 ms on a loaded
// machine here, against 8-12 ms for the native module alone (`run` and `exec` pay it on every
// start). On glibc Linux that native module is the platform package's `<platform>_<arch>/koffi.node`:
// loaded directly; anywhere else, or if it cannot be loaded, through koffi's entry point.
import { createRequire } from 'node:module';
import type Koffi from 'koffi';

let cached: typeof Koffi | undefined;

export function loadKoffi(): typeof Koffi {
  cached ??= loadNative() ?? (createRequire(import.meta.url)('koffi') as typeof Koffi);
  return cached;
}

/** The native module, or null when it is not where an npm install of koffi puts it. */
function loadNative(): typeof Koffi | null {
  const { platform, arch } = process;
  // musl builds sit in another directory; mydocker loads libc.so.6 anyway, which needs glibc.
  if (platform !== 'linux') return null;
  try {
    const native = createRequire(import.meta.url)(`@koromix/koffi-${platform}-${arch}/${platform}_${arch}/koffi.node`) as typeof Koffi;
    // The same calls the entry point exports: anything else is not the module we expect.
    return typeof native.load === 'function' && typeof native.errno === 'function' ? native : null;
  } catch {
    return null;
  }
}
