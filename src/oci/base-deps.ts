// What every OCI command needs of the real world: the store under --root, libc through koffi
// (loaded at its first call) and mydocker's plugin host (loaded only by the commands that run
// hooks). The hot program (src/cli/runc/hot-cli.ts: start, state, kill, delete) holds only this;
// create, run and exec add the launch's dependencies (deps.ts).
import type { Kernel } from '../../hooks/index.js';
import { libcKernel } from '../kernel/libc.js';
import type { NetworksFactory, PluginHost } from '../runtime/plugin-host.js';
import { OciStore } from './store.js';

export interface OciBaseDeps {
  store: OciStore;
  kernel: Kernel;
  host(): Promise<PluginHost>;
}

/** `networks`: the plugin host's network registry (see ociPluginHost). */
export function ociBaseDeps(root: string, networks?: NetworksFactory): OciBaseDeps {
  let host: Promise<PluginHost> | undefined;
  const kernel = lazyKernel(libcKernel);
  const kernelOf = (): Kernel => kernel;
  return {
    store: new OciStore(root),
    kernel,
    host: () => (host ??= import('./engine.js').then(({ ociPluginHost }) => ociPluginHost(root, kernelOf, networks))),
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
