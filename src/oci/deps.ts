// The real dependencies of the OCI commands: those every command has (base-deps.ts: the store,
// libc, the plugin host), then the sealed mydocker-init, the console socket's sender and the
// seccomp compiler, which only create, run and exec use. Tests build their own OciDeps.
import * as path from 'node:path';
import { libcKernel } from '../kernel/libc.js';
import { stateRootNetworks } from '../runtime/host-networks.js';
import { ociBaseDeps } from './base-deps.js';
import type { OciDeps } from './create.js';

export { lazyKernel } from './base-deps.js';

export function ociDeps(root: string): OciDeps {
  return {
    ...ociBaseDeps(root, stateRootNetworks),
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
