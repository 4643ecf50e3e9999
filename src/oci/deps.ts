// The real dependencies of the OCI commands: the store under --root, libc through koffi, mydocker's
// plugin host (loaded only by the commands that run hooks), the sealed mydocker-init, the console
// socket's sender and the seccomp compiler. Tests build their own OciDeps.
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import type { Kernel } from '../../hooks/index.js';
import { libcKernel } from '../kernel/libc.js';
import type { PluginHost } from '../runtime/plugin-host.js';
import type { OciDeps } from './create.js';
import { OciStore } from './store.js';

export function ociDeps(root: string): OciDeps {
  let host: Promise<PluginHost> | undefined;
  let kernel: Kernel | undefined;
  const kernelOf = (): Kernel => (kernel ??= libcKernel());
  return {
    store: new OciStore(root),
    get kernel() {
      return kernelOf();
    },
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

/** What create and run need beyond the rest (koffi, the init's memfd, the window's modules), loaded before the window. */
export async function withLaunch(deps: OciDeps): Promise<OciDeps> {
  const [{ sealedInit }, { sendDescriptor }, { CONSOLE_NAME }] = await Promise.all([
    import('../process/init-binary.js'),
    import('../kernel/unix-socket.js'),
    import('./console-socket.js'),
  ]);
  const kernel = deps.kernel;
  const initFd = sealedInit(kernel);
  return {
    store: deps.store,
    kernel,
    host: deps.host,
    compileSeccomp: deps.compileSeccomp,
    launchDeps: () => ({ kernel, spawn, initFd, hostDevices: () => [] }),
    sendConsole: (socketPath, fd) => sendDescriptor(socketPath, CONSOLE_NAME, fd),
  };
}
