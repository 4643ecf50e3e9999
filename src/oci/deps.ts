// The real dependencies of the OCI commands: the store under --root, libc through koffi, mydocker's
// plugin host (loaded only by the commands that run hooks), the sealed mydocker-init, the console
// socket's sender and the seccomp compiler. Tests build their own OciDeps.
import * as path from 'node:path';
import type { Kernel } from '../../hooks/index.js';
import { libcKernel } from '../kernel/libc.js';
import type { PluginHost } from '../runtime/plugin-host.js';
import type { OciDeps } from './create.js';
import { OciStore } from './store.js';

export function ociDeps(root: string): OciDeps {
  let host: Promise<PluginHost> | undefined;
  const kernel = lazyKernel(libcKernel);
  const kernelOf = (): Kernel => kernel;
  return {
    store: new OciStore(root),
    kernel,
    host: () => (host ??= import('./engine.js').then(({ ociPluginHost }) => ociPluginHost(root, kernelOf))),
    launchDeps: () => {
      throw new Error('launchDeps: call withLaunch() first');
    },
    sendConsole: () => {
      throw new Error('sendConsole: call withLaunch() first');
    },
    compileSeccomp: async (profile, capabilities) => {
      const { seccompProgram } = await import('../security/seccomp/store.js');
      return seccompProgram(profile, capabilities, path.join(root, '.cache', 'seccomp'));
    },
  };
}

/**
 * The Kernel every command is handed, loading koffi (~15-35 ms: its JS is outside the bundle and
 * its code cache) only at the first call: `delete` passes a kernel to the teardown hooks, which
 * mostly make none (cgroupfs is files), and `start`, `kill` and `state` make none.
 */
export function lazyKernel(load: () => Kernel): Kernel {
  return new Proxy({} as Kernel, {
    get: (_target, name) => {
      // Asked by await (then) and by inspection (symbols): answered without loading anything.
      if (typeof name === 'symbol' || name === 'then') return undefined;
      const kernel = load();
      const value = (kernel as unknown as Record<string, unknown>)[name];
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(kernel) : value;
    },
  });
}

/** What create and run need beyond the rest (koffi, the init's memfd, the window's modules), loaded before the window. */
export async function withLaunch(deps: OciDeps): Promise<OciDeps> {
  const [{ sealedInit }, { sendDescriptor }, { CONSOLE_NAME }, { spawnLight }] = await Promise.all([
    import('../process/init-binary.js'),
    import('../kernel/unix-socket.js'),
    import('./console-socket.js'),
    import('../process/spawn-light.js'),
  ]);
  // The window calls the kernel often and must not load anything: the real one, loaded now.
  const kernel = libcKernel();
  const initFd = sealedInit(kernel);
  return {
    store: deps.store,
    kernel,
    host: deps.host,
    compileSeccomp: deps.compileSeccomp,
    launchDeps: () => ({ kernel, spawn: spawnLight, initFd, hostDevices: () => [] }),
    sendConsole: (socketPath, fd) => sendDescriptor(socketPath, CONSOLE_NAME, fd),
  };
}
